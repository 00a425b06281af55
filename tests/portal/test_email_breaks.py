"""An e-mail address on My data wraps after its @ and before its dots, and stays escaped."""

from django.template import Context, Template

from simrenew.web.templatetags.breaks import email_breaks


def test_an_address_may_break_after_the_at_and_before_each_dot():
    assert email_breaks("anna.de.smet@student.kuleuven.be") == (
        "anna<wbr>.de<wbr>.smet@<wbr>student<wbr>.kuleuven<wbr>.be"
    )


def test_what_the_address_holds_is_escaped():
    shown = Template("{% load breaks %}{{ value|email_breaks }}").render(Context({"value": "<b>x</b>@a.be"}))
    assert shown == "&lt;b&gt;x&lt;/b&gt;@<wbr>a<wbr>.be"
