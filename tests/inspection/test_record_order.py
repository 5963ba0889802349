"""The inspector's record of a batch reads in the order of a field check: status, producer and origin, chemicals,
lab tests, the diary; then the history, and the codes as counts with the list one link away."""

from __future__ import annotations

from traceability.batches.models import BatchStatus


def test_the_record_puts_what_a_field_check_needs_first(make_batch, inspector, login_as):
    batch = make_batch(status=BatchStatus.PUBLISHED, lot_code="FIELD-1")
    page = login_as(inspector).get(f"/inspect/batches/{batch.id}").get_data(as_text=True)
    marks = [
        'id="batch-status"',
        batch.organization.name,
        'id="chemicals"',
        'id="lab-tests"',
        'id="process"',
        'id="inspections"',
        'id="codes"',
        'id="inspect-form"',
        'id="genealogy"',
    ]
    positions = [page.index(mark) for mark in marks]
    shown_order = [mark for _position, mark in sorted(zip(positions, marks, strict=True))]
    assert shown_order == marks
    assert 'href="#inspect-form"' in page.split('id="chemicals"', 1)[0]  # the form is one tap away from the top
