"""A streaming XML parser that cannot be made to expand entities or fetch anything.

Apple Health's export.xml starts with an internal DTD (``<!DOCTYPE HealthData [...]>``) of
ELEMENT and ATTLIST declarations. It carries nothing an importer needs, and iOS 16 exports
shipped it malformed (a missing ``>`` after ``<!ATTLIST VisionPrescription``, "syntax error:
line 156"), so :func:`strip_doctype` cuts it out before the parser sees the document: the
parser then has no DTD at all, so no entity can be defined, and an entity reference is an
error. The cut-out text is refused when it declares entities (billion laughs) or refers to
an external DTD (XXE), which a real export never does. The parser's handlers refuse any
later DOCTYPE or entity declaration as a second line of defence (the checks of defusedxml,
applied to expat directly so no element tree is ever built).
"""

from __future__ import annotations

import re
from typing import IO, NoReturn
from xml.parsers import expat

from glucolens.integrations.importers.base import FileRejected

PROLOG_LIMIT = 1 << 20  # the DOCTYPE must end within the first MiB (Apple's is ~12 KiB)
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+\s*([^\[>]*)([\[>])")
_SUBSET_END = re.compile(rb"\]\s*>")
_ELEMENT_START = re.compile(rb"<[A-Za-z_:]")
# C0 control characters are not allowed in XML 1.0; iOS 16 wrote U+000B into some names
# (the "invalid token" error). They become spaces. UTF-8 continuation bytes are >= 0x80,
# so this never touches a multi-byte character.
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
CONTROL_TO_SPACE = bytes.maketrans(_CONTROL, b" " * len(_CONTROL))


def _refuse(reason: str) -> NoReturn:
    raise FileRejected(reason)


def strip_doctype(stream: IO[bytes], first_chunk: int = 64 * 1024) -> bytes:
    """Reads the start of ``stream`` through its DOCTYPE (if any) and returns those bytes with
    the DOCTYPE replaced by as many newlines as it spanned, so parser line numbers still match
    the file. Raises FileRejected when the DTD declares entities or is external."""
    head = b""
    while True:
        chunk = stream.read(first_chunk)
        head += chunk
        doctype = _DOCTYPE.search(head)
        element = _ELEMENT_START.search(head)
        if element is not None and (doctype is None or element.start() < doctype.start()):
            return head  # no DOCTYPE before the root element
        if doctype is not None:
            if doctype.group(1).strip():
                _refuse("The file's DOCTYPE refers to an external DTD; refused for safety.")
            if doctype.group(2) == b">":
                end = doctype.end()
            else:
                close = _SUBSET_END.search(head, doctype.end())
                end = close.end() if close is not None else -1
            if end >= 0:
                declared = head[doctype.start() : end]
                if b"<!ENTITY" in declared:
                    _refuse(
                        "The file's DTD declares entities, which an Apple Health export never "
                        "does; refused for safety."
                    )
                newlines = b"\n" * declared.count(b"\n")
                return head[: doctype.start()] + newlines + head[end:]
        if not chunk:
            if doctype is not None:
                _refuse("The file ends inside its DOCTYPE declaration.")
            return head
        if len(head) > PROLOG_LIMIT:
            _refuse("The file's DOCTYPE declaration does not end within the first MiB.")


def _no_doctype(name: str, sysid: str | None, pubid: str | None, internal: int) -> NoReturn:
    _refuse("The file declares a DOCTYPE after other markup; refused for safety.")


def _no_entity(name: str, *rest: object) -> NoReturn:
    _refuse("The file declares XML entities; refused for safety.")


def _no_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> NoReturn:
    _refuse("The file refers to an external XML entity; refused for safety.")


def hardened_parser() -> expat.XMLParserType:
    """An expat parser with no DTD processing: entity declarations, external references and
    parameter entities raise FileRejected."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _no_doctype
    parser.EntityDeclHandler = _no_entity
    parser.UnparsedEntityDeclHandler = _no_entity
    parser.ExternalEntityRefHandler = _no_external
    return parser
