"""One module per upload kind: how its rows resolve what they name and how they are written
(see :mod:`geo.services.uploads.registry`)."""
