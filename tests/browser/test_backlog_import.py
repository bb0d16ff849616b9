"""A CSV import in a real browser: choose a Jira export, match its columns in the mapping step
(drawn by htmx with the file still chosen), import, and watch the job's page poll its progress
until the rows are in and the rejected ones are listed. Screenshot (PMHUB_SCREENSHOT_DIR):
docs/screenshots/backlog-import-mapping.png and backlog-import.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backlog.models import ImportJob, Item
from backlog.services.imports import import_run
from pmhub import services
from pmhub.capabilities import Role
from tests.backlog.jira_export import jira_export
from tests.factories import make_member, make_user

pytestmark = pytest.mark.browser


def test_an_editor_maps_the_columns_imports_and_watches_the_progress(
    transactional_db, page, log_in, tmp_path, screenshot_dir
):
    owner = make_user("ana")
    workspace = services.workspace_create(name="Acme", owner=owner)
    product = services.product_create(workspace=workspace, actor=owner, name="Checkout")
    editor = make_member(workspace, Role.EDITOR, username="ben")
    export = jira_export(rows=120, bad=5, seed=2)
    upload = tmp_path / "SHOP issues.csv"
    upload.write_bytes(export.content(bom=True))

    log_in(page, editor.username)
    page.goto(f"/products/{product.slug}/backlog/import/")
    page.get_by_label("CSV file", exact=True).set_input_files(str(upload))
    page.get_by_label("Jira issue export").check()
    page.get_by_role("button", name="Next: match the columns").click()

    mapping = page.get_by_test_id("import-mapping")
    expect(mapping).to_contain_text("120 rows found")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Summary")
    expect(page.get_by_label("Labels", exact=True)).to_have_value("Labels")
    page.screenshot(path=str(screenshot_dir / "backlog-import-mapping.png"), full_page=True)
    page.get_by_label("Priority (MoSCoW)").select_option("")  # not imported
    page.get_by_role("button", name="Import 120 rows").click()

    page.wait_for_url("**/backlog/imports/*/")
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    job = ImportJob.objects.get(product=product)
    assert "moscow" not in job.mapping and job.mapping["title"] == "Summary"

    import_run(job=job)  # what the worker does; the page finds out by polling

    expect(progress).to_have_attribute("data-status", "done")
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "120")
    expect(page.get_by_test_id("import-created")).to_have_text("115")
    rows = page.get_by_test_id("import-rejected-rows").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.first.locator("td").first).to_have_text(str(export.bad[0].line))
    assert Item.objects.filter(product=product, moscow="").count() == 115
    page.screenshot(path=str(screenshot_dir / "backlog-import.png"), full_page=True)


def test_a_bad_file_in_the_mapping_step_is_named_and_the_form_stays(
    transactional_db, page, log_in, tmp_path
):
    owner = make_user("ana")
    workspace = services.workspace_create(name="Acme", owner=owner)
    product = services.product_create(workspace=workspace, actor=owner, name="Checkout")
    upload = tmp_path / "notes.csv"
    upload.write_bytes(b"Title,Status\nA,Done\n")

    log_in(page, owner.username)
    page.goto(f"/products/{product.slug}/backlog/import/")
    page.get_by_label("CSV file", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Import with the usual columns").click()

    expect(page.locator('[data-field-error="file"]')).to_contain_text("no “Summary” column")
    expect(page.get_by_label("CSV file", exact=True)).to_be_visible()
    assert not ImportJob.objects.exists()
