from teamhub.integrations.jira.adf import adf_to_text
from tests.integrations.jira.fake import adf, paragraph


def test_paragraphs_headings_and_code_become_blocks_of_text() -> None:
    document = adf(
        {
            "type": "heading",
            "attrs": {"level": 2},
            "content": [{"type": "text", "text": "Goal"}],
        },
        paragraph(
            "Ship the ",
            {"type": "text", "text": "churn", "marks": [{"type": "strong"}]},
            " model.",
        ),
        {
            "type": "codeBlock",
            "attrs": {"language": "python"},
            "content": [{"type": "text", "text": "import torch\nmodel.fit()"}],
        },
    )

    assert adf_to_text(document) == (
        "Goal\n\nShip the churn model.\n\nimport torch\nmodel.fit()"
    )


def test_mentions_links_breaks_and_emoji_are_kept_inline() -> None:
    document = adf(
        paragraph(
            {"type": "mention", "attrs": {"id": "712020:abc", "text": "@Ada Lovelace"}},
            " see ",
            {
                "type": "text",
                "text": "the doc",
                "marks": [
                    {"type": "link", "attrs": {"href": "https://wiki.example/doc"}}
                ],
            },
            {"type": "hardBreak"},
            {"type": "emoji", "attrs": {"shortName": ":tada:", "text": "🎉"}},
            " ",
            {
                "type": "inlineCard",
                "attrs": {"url": "https://example.atlassian.net/browse/ML-1"},
            },
        )
    )

    assert adf_to_text(document) == (
        "@Ada Lovelace see the doc (https://wiki.example/doc)\n"
        "🎉 https://example.atlassian.net/browse/ML-1"
    )


def test_lists_nest_with_markers_and_indentation() -> None:
    document = adf(
        {
            "type": "bulletList",
            "content": [
                {"type": "listItem", "content": [paragraph("features")]},
                {
                    "type": "listItem",
                    "content": [
                        paragraph("training"),
                        {
                            "type": "orderedList",
                            "attrs": {"order": 1},
                            "content": [
                                {"type": "listItem", "content": [paragraph("split")]},
                                {"type": "listItem", "content": [paragraph("fit")]},
                            ],
                        },
                    ],
                },
            ],
        }
    )

    assert adf_to_text(document) == "- features\n- training\n  1. split\n  2. fit"


def test_unknown_nodes_give_their_text() -> None:
    document = adf(
        {
            "type": "panel",
            "attrs": {"panelType": "info"},
            "content": [paragraph("Heads up")],
        },
        {"type": "somethingNew", "content": [{"type": "text", "text": "still here"}]},
        {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "x"}}]},
    )

    assert adf_to_text(document) == "Heads up\n\nstill here"


def test_empty_and_data_center_descriptions() -> None:
    assert adf_to_text(None) == ""
    assert adf_to_text("h1. Wiki markup stays") == "h1. Wiki markup stays"
    assert adf_to_text(adf()) == ""
