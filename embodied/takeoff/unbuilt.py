"""Why the geometry kernel built no body for an element, and the one defect that can be read around.

A STEP file writes ``*`` for an attribute whose value the schema derives, ``$`` for one left unset.
Some exporters write ``*`` where neither belongs (Renga, in the Name or Tag of elements). The parser
reads such an attribute as unset, but the kernel asks for the element's Name as a string and gets
"derived": "Requested type <string> does not match actual type <derived> at index 2" (GEO060). Measured
with ifcopenshell 0.9.0 on a small model (tests/test_quantity_sets_by_content.py): an element whose
Name is ``*`` is not built; with the kernel on one thread, no element of the run is built at all (the
iterator's ``initialize`` fails); a ``*`` in Tag does not stop the kernel. Written as ``$`` instead,
every element builds. So an element the kernel did not build is looked at here: its stray ``*`` are
found in its STEP text (`bare_stars`) and, in the kernel's own process, set to unset (`repair`)
before it is meshed again; one that still gives nothing is described by the kernel's message for it
(`kernel_errors`, from ifcopenshell's log) and by what its body is made of (`describe_body`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import ifcopenshell.ifcopenshell_wrapper as wrapper

# "[error] [GEO052] [time] {GlobalId} text", or "[notice] [GEO283] [time] text:\n#78=IfcRectangle..."
_RECORD = re.compile(r"^\[([a-z]+)\] \[[A-Z]+\d+\] \[[^\]]*\] (.*)$", re.DOTALL)
_GUID = re.compile(r"\{([0-9A-Za-z_$]{22})\}")
_STEP_ID = re.compile(r"#(\d+)=")
MAX_ITEMS_NAMED = 4
MAX_TRACED = 2000  # elements whose shapes are followed to the entities the kernel's messages name
MAX_MESSAGE = 200  # characters of a kernel message kept


def bare_stars(element: Any) -> tuple[int, ...]:
    """Positions of the element's attributes written as ``*`` that its schema does not derive."""
    text = str(element)
    if "*" not in text:
        return ()
    schema = element.is_a(True).split(".")[0]
    entity = wrapper.schema_by_name(schema).declaration_by_name(element.is_a()).as_entity()
    derived = entity.derived() if entity is not None else ()
    tokens = _arguments(text)
    return tuple(i for i, token in enumerate(tokens) if token == "*" and i < len(derived) and not derived[i])


def _arguments(text: str) -> list[str]:
    """The top-level arguments of one STEP instance's text (``#1=IFCWALL('a',$,*,(#2,#3))``),
    stripped; quoted strings (``''`` is a quote inside one) and nested lists are kept whole."""
    start = text.find("(")
    tokens: list[str] = []
    if start < 0:
        return tokens
    depth, begin, at = 0, start + 1, start
    while at < len(text):
        char = text[at]
        if char == "'":
            at = text.find("'", at + 1)
            while 0 <= at < len(text) - 1 and text[at + 1] == "'":  # an escaped quote: read on
                at = text.find("'", at + 2)
            if at < 0:
                break
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                tokens.append(text[begin:at].strip())
                break
        elif char == "," and depth == 1:
            tokens.append(text[begin:at].strip())
            begin = at + 1
        at += 1
    return tokens


def repair(element: Any, positions: Iterable[int]) -> None:
    """Set the attributes at `positions` (stray ``*``) to unset, in this process's copy of the model."""
    for at in positions:
        setattr(element, element.attribute_name(at), None)


def kernel_errors(log: str, elements: Iterable[Any]) -> dict[int, str]:
    """The kernel's first message (an error, or a notice such as "Skipping zero sized profile") about
    each of `elements`, by step id, from ifcopenshell's log. A message names the element by its
    GlobalId, or the entity of its shape it failed on (``#78=IfcRectangleProfileDef(...)``): the
    entities of each element's shape are followed to find it (for at most MAX_TRACED elements)."""
    records = _records(log)
    if not records:
        return {}
    elements = list(elements)
    by_guid = {e.GlobalId: e.id() for e in elements}
    traced: dict[int, int] = {}  # step id of a shape's entity -> the element's
    if len(elements) <= MAX_TRACED:
        file = elements[0].file if elements else None
        for element in elements:
            shape = getattr(element, "Representation", None)
            if file is not None and shape is not None:
                for entity in file.traverse(shape):
                    traced.setdefault(entity.id(), element.id())
    found: dict[int, str] = {}
    for text, guid, ids in records:
        owners = [by_guid[guid]] if guid in by_guid else [traced[i] for i in ids if i in traced]
        for owner in owners:
            found.setdefault(owner, text)
    return found


def _records(log: str) -> list[tuple[str, str | None, list[int]]]:
    """(text, GlobalId named, step ids named) of each error or notice of the log with something to
    say about an element (warnings about the project, as a missing angle unit, are not)."""
    records: list[tuple[str, str | None, list[int]]] = []
    for block in re.split(r"\n(?=\[[a-z]+\] \[)", log):
        match = _RECORD.match(block)
        if match is None or match.group(1) not in ("error", "notice"):
            continue
        body = " ".join(line.strip() for line in match.group(2).splitlines() if line.strip())
        guid = _GUID.search(body)
        ids = [int(i) for i in _STEP_ID.findall(body)]
        if guid is None and not ids:
            continue
        text = _GUID.sub("", body).strip()
        records.append(
            (text[:MAX_MESSAGE] + ("…" if len(text) > MAX_MESSAGE else ""), guid and guid.group(1), ids)
        )
    return records


def describe_body(element: Any) -> str:
    """What the element's shape is made of, for a note: its representations (identifier, type) and
    the classes of its body items, mapped items followed to what they map."""
    representation = getattr(element, "Representation", None)
    shapes = list(getattr(representation, "Representations", None) or ())
    if not shapes:
        return "no shape representation"
    bodies = [s for s in shapes if (s.RepresentationIdentifier or "Body") == "Body"]
    if not bodies:
        found = ", ".join(sorted({str(s.RepresentationIdentifier) for s in shapes}))
        return f"no Body representation (only {found})"
    items: list[str] = []
    for shape in bodies:
        context = getattr(shape, "ContextOfItems", None)
        if context is not None and getattr(context, "ContextType", None) not in (None, "Model"):
            items.append(f"in a {context.ContextType!r} context")
        for item in shape.Items or ():
            items.append(_item_class(item))
    named = sorted(set(items))
    more = f" and {len(named) - MAX_ITEMS_NAMED} more" if len(named) > MAX_ITEMS_NAMED else ""
    return "body: " + (", ".join(named[:MAX_ITEMS_NAMED]) + more if named else "no items")


def _item_class(item: Any) -> str:
    if item.is_a("IfcMappedItem"):
        source = item.MappingSource
        mapped = getattr(source, "MappedRepresentation", None) if source is not None else None
        inner = sorted({i.is_a() for i in (getattr(mapped, "Items", None) or ())})
        return f"IfcMappedItem of {'/'.join(inner) or 'nothing'}"
    return str(item.is_a())
