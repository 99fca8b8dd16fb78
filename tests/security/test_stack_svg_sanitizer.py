"""The stack picture is inlined only when it contains the elements and attributes that stack_svg draws.

Each rejected markup hides a script in a way a text pattern misses: a slash before an event handler, or
a character reference inside the javascript: scheme.
"""
import pytest

from reports.kinds.stack_inventory import safe_stack_svg


@pytest.mark.parametrize("svg", [
    '<svg/onload=alert(document.domain)></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a href="java&#115;cript:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><animate attributeName="href" values="jav&#x61;script:alert(1)"/></svg>',
])
def test_unsafe_svg_left_out(svg):
    assert safe_stack_svg(svg) == ""


def test_drawn_svg_kept():
    from audits.inventory import stack_svg

    drawn = stack_svg([], crm_name="HubSpot")

    assert safe_stack_svg(drawn) == drawn
