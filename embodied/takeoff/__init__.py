"""Take-off stage: per element and per material part, SI quantities with their source.

``run(model)`` is the stage's entry point; its modules are:

- ``select``     which elements are physical, which are containers of parts, which are left out;
- ``materials``  an element's material parts and how its volume is shared among them;
- ``quantities`` base quantities (``Qto_*BaseQuantities``, IFC2X3-era ``BaseQuantities``, then any
  other set by its quantities' names) in SI;
- ``geometry``   the geometry kernel (ifcopenshell.geom) guarded in a child process, many cores;
- ``mesh``       body-solid volumes of its meshes (closed solids only), and top-view areas;
- ``unbuilt``    why the kernel built no body for an element (and the stray ``*`` it can read around);
- ``spaces``     the floor area of every IfcSpace, and which must not be added to the others;
- ``area``       the building's floor area: spaces, else floor slabs, else footprint × storeys;
- ``options``    how to take off (`TakeoffOptions`);
- ``identity``   who an element is (GlobalId, class, type, storey, classification, predefined type);
- ``dimensions`` an element's length and area, and its profiles' areas;
- ``element``    one element's rows: picks its volume, shares it, adds mass and notes;
- ``core``       the composer: the geometry, then every element's rows (in worker processes for many).
"""

from embodied.takeoff.core import run
from embodied.takeoff.options import TakeoffOptions

__all__ = ["TakeoffOptions", "run"]
