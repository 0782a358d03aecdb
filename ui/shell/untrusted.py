"""Text the console did not write (file headers, contact fields, Twilio's errors) shown as text.

Streamlit renders the body of st.error/st.warning/st.caption/st.markdown and widget labels as
Markdown, so a CSV header such as `![b](http://host/x.png) [Verify](http://evil.example)`
would make the browser fetch the image and show a link that seems to come from us. Every such
value goes through `md()` before it joins one of our own (trusted) Markdown strings.
"""

from __future__ import annotations

import re
import string

# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it stops links,
# images, HTML, emphasis, Streamlit's `:color[…]` directives and `$…$` maths without a list of
# Markdown features to keep up to date.
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
# GFM's bare-URL autolinks are found in the text *after* escapes are resolved (measured in
# Chromium: `http\:\/\/…` still became a link), so the patterns they look for (`://`, `www.`,
# `@` of an e-mail address) are broken with an invisible WORD JOINER (U+2060) instead.
_AUTOLINK_HOOKS = re.compile(r"(?=://)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def md(value: object) -> str:
    """`value` as a Markdown fragment that displays its characters (plus invisible joiners)."""
    text = _AUTOLINK_HOOKS.sub(_WORD_JOINER, str(value))
    return text.translate(_ESCAPES)
