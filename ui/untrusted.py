"""Text the console did not write (file headers, contact fields, Twilio's errors) shown as text.

Streamlit renders the body of st.error/st.warning/st.caption/st.markdown and widget labels as
Markdown, so a CSV header such as `![b](http://host/x.png) [Verify](http://evil.example)`
would make the browser fetch the image and show a link that seems to come from us. Every such
value goes through `md()` before it joins one of our own (trusted) Markdown strings.
"""

from __future__ import annotations

import string

# CommonMark lets any ASCII punctuation be backslash-escaped; escaping all of it also stops
# GFM's bare-URL autolinks (`http\:\/\/…`, `www\.…`), Streamlit's `:color[…]` and `:icon:`
# directives and `$…$` maths, without a list of Markdown features to keep up to date.
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def md(value: object) -> str:
    """`value` as a Markdown fragment that displays exactly its characters."""
    return str(value).translate(_ESCAPES)
