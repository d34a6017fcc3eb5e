"""docs/workflow.md shows the workflow the code runs."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ssgp_dhr import PROJECT_DIR
from ssgp_dhr.cases import workflow
from ssgp_dhr.cli import DIAGRAM_END, DIAGRAM_START, diagram_block

WORKFLOW_PAGE = Path(PROJECT_DIR) / "docs" / "workflow.md"


def test_the_committed_diagram_matches_the_workflow() -> None:
    page = WORKFLOW_PAGE.read_text(encoding="utf-8")
    assert diagram_block(workflow.mermaid_diagram()) in page, (
        "docs/workflow.md shows a different workflow from the code: "
        "regenerate it with `flask --app wsgi dhr diagram --write docs/workflow.md` and commit it")


def test_the_page_names_every_stage_and_action() -> None:
    page = WORKFLOW_PAGE.read_text(encoding="utf-8")
    for stage in workflow.STAGES:
        assert f"| `{stage.value}` | {stage.label} |" in page
    for trigger in workflow.TRIGGERS:
        assert f"| `{trigger}` |" in page


def test_diagram_write_brings_a_stale_page_up_to_date(app: Flask, tmp_path: Path) -> None:
    page = tmp_path / "workflow.md"
    page.write_text(f"# Lifecycle\n\n{DIAGRAM_START}\n```mermaid\nstateDiagram-v2\n    [*] --> notified\n```\n"
                    f"{DIAGRAM_END}\n\nAfter.\n", encoding="utf-8")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["dhr", "diagram", "--write", str(page)])

    assert result.exit_code == 0, result.output
    assert page.read_text(encoding="utf-8") == (
        f"# Lifecycle\n\n{diagram_block(workflow.mermaid_diagram())}\n\nAfter.\n")
    assert "diagram updated" in result.output
    assert "already up to date" in runner.invoke(args=["dhr", "diagram", "--write", str(page)]).output


def test_diagram_write_refuses_a_page_without_markers(app: Flask, tmp_path: Path) -> None:
    page = tmp_path / "other.md"
    page.write_text("# Nothing here\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["dhr", "diagram", "--write", str(page)])

    assert result.exit_code != 0
    assert "no diagram markers" in result.output
    assert page.read_text(encoding="utf-8") == "# Nothing here\n"
