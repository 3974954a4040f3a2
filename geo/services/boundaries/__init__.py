"""Area boundaries: import them from files (level by level, with a dry run) and follow the
points that move; check their quality; take them as a browser upload; and hand the pages
the shapes and choices an actor may see.

- :mod:`.importing`: :func:`import_boundaries`, :func:`import_hierarchy`
- :mod:`.moves`: where units and worksites lie before and after a change
- :mod:`.quality`: :func:`boundary_quality`
- :mod:`.upload`: :func:`boundary_upload_layers`, :func:`import_boundary_upload`
- :mod:`.shapes`: :func:`area_shapes`, :func:`area_choices`
"""

from geo.services.boundaries.importing import import_boundaries, import_hierarchy
from geo.services.boundaries.quality import boundary_quality
from geo.services.boundaries.shapes import area_choices, area_shapes
from geo.services.boundaries.upload import boundary_upload_layers, import_boundary_upload

__all__ = [
    "area_choices",
    "area_shapes",
    "boundary_quality",
    "boundary_upload_layers",
    "import_boundaries",
    "import_boundary_upload",
    "import_hierarchy",
]
