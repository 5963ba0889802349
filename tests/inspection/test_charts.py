import pytest

from traceability.inspection.charts import LABEL_WIDTH, bar_chart


@pytest.mark.no_db
def test_bars_are_proportional_and_labels_escaped():
    svg = str(bar_chart([("<b>Xã A</b>", 10), ("Xã B", 5)], title='Lô "hàng"'))
    assert "<b>" not in svg and "&lt;b&gt;Xã A&lt;/b&gt;" in svg
    assert 'aria-label="Lô &#34;hàng&#34;"' in svg
    widths = [int(part.split('"')[0]) for part in svg.split('width="')[2:]]
    assert widths[0] == 2 * widths[1] and widths[0] > LABEL_WIDTH // 2


@pytest.mark.no_db
def test_no_data_says_so():
    assert "Không có" in str(bar_chart([], "t", empty="Không có"))
