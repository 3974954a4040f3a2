"""Readers and writers of files: bytes in, frames out, and back. Nothing else."""
