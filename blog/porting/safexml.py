"""Reading an export file safely and in bounded memory.

defusedxml refuses a document type declaration outright (no export from WordPress or Disqus
has one), so neither entity expansion bombs nor external entities can reach the parser. Each
wanted element is handed over whole, then cleared and dropped from its parent, so memory
follows the largest element, not the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse


class ImportRefused(Exception):
    """A file the importer will not take, with the one line that says why."""


def qualified(namespace: str, name: str) -> str:
    """ElementTree's name for name in namespace: "{namespace}name"."""
    return f"{{{namespace}}}{name}" if namespace else name


def elements(
    source: BinaryIO,
    wanted: set[str],
    *,
    root: set[str] | None = None,
    depth: int | None = None,
    keep: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, Element]]:
    """Yield (event, element) for each wanted element, whole, at its end; and ("root", element)
    once, at the start of the document element, so its name can be checked before the rest
    is read. Each wanted element is cleared once the caller has it.

    root: the document element names accepted; any other refuses the file.
    depth: when given, only wanted elements that deep are handed over (1: the document
    element's children), so a reference nested inside one of them that shares its name (a
    Disqus post's <thread dsq:id="…"/>) stays part of it.
    keep: the names of elements outside every wanted one that stay in the tree once read (a
    channel's <link>, read later through the root); every other such element is dropped as it
    ends, so a file with a million tag definitions costs no more memory than one with none.
    Raises ImportRefused for a file that is not well-formed XML, is cut short, or declares a
    document type (entity bombs, external entities).
    """
    stack: list[Element] = []
    inside = 0  # how many wanted elements are open around the parser's position

    def is_wanted(element: Element, level: int) -> bool:
        return element.tag in wanted and (depth is None or level == depth)

    try:
        for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if not stack:
                    if root is not None and element.tag not in root:
                        raise ImportRefused(f"the document is <{local_name(element.tag)}>")
                    yield "root", element
                inside += is_wanted(element, len(stack))
                stack.append(element)
                continue
            stack.pop()
            if is_wanted(element, len(stack)):
                inside -= 1
                yield "end", element
                element.clear()
                if stack:
                    stack[-1].remove(element)
            elif stack and not inside and element.tag not in keep:
                element.clear()
                stack[-1].remove(element)
    except ParseError as error:
        raise ImportRefused(f"not well-formed XML ({error})") from None
    except DefusedXmlException as error:
        raise ImportRefused(f"refused unsafe XML ({type(error).__name__})") from None


def local_name(tag: str) -> str:
    """A tag's name without its namespace."""
    return tag.rpartition("}")[2]


def text_of(element: Element | None) -> str:
    """An element's text, "" when it is missing or empty."""
    if element is None or element.text is None:
        return ""
    return element.text
