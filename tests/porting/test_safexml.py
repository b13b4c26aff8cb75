"""Streaming an export safely: what is handed over, and what is refused."""

from __future__ import annotations

import io

import pytest

from blog.porting.safexml import ImportRefused, elements, text_of


def read(xml: bytes, wanted: set[str], **options: object) -> list[tuple[str, str]]:
    return [
        (event, element.tag if event == "root" else text_of(element.find("id")))
        for event, element in elements(io.BytesIO(xml), wanted, **options)
    ]


def test_nested_namesakes_stay_inside_when_a_depth_is_given():
    xml = b"<d><thread><id>t1</id></thread><post><id>p1</id><thread><id>t1</id></thread></post></d>"
    assert read(xml, {"thread", "post"}) == [
        ("root", "d"),
        ("end", "t1"),
        ("end", "t1"),
        ("end", "p1"),
    ]
    assert read(xml, {"thread", "post"}, depth=1) == [("root", "d"), ("end", "t1"), ("end", "p1")]


@pytest.mark.parametrize(
    "xml",
    [
        b"<d><post><id>p1</id></post><post><id>p",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d>&b;</d>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
        b"not xml at all",
    ],
    ids=["cut-short", "entity-bomb", "external-entity", "not-xml"],
)
def test_a_file_that_is_cut_short_or_unsafe_is_refused_in_one_line(xml):
    with pytest.raises(ImportRefused) as refused:
        read(xml, {"post"})
    assert "\n" not in str(refused.value)


def test_a_document_of_another_kind_is_refused_before_its_content_is_read():
    with pytest.raises(ImportRefused, match="the document is <html>"):
        read(b"<html><post><id>p1</id></post></html>", {"post"}, root={"d"})


def test_what_is_outside_every_wanted_element_is_dropped_unless_kept():
    xml = (
        b"<rss><channel><link>L</link><tag>t1</tag><tag>t2</tag>"
        b"<item><id>i1</id></item></channel></rss>"
    )
    stream = elements(io.BytesIO(xml), {"item"}, keep=frozenset({"channel", "link"}))
    _, root = next(stream)
    assert [text_of(item.find("id")) for _, item in stream] == ["i1"]
    assert [child.tag for child in root.find("channel")] == ["link"]
    _, bare = next(stream := elements(io.BytesIO(xml), {"item"}))
    assert len(list(stream)) == 1 and list(bare) == []
