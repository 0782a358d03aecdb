"""Words and numbers for people, in English and Brazilian Portuguese, for every face of smsconsole.

The gettext catalogs (`locale/`, shipped as package data), CLDR formats for numbers, money, dates
and countries (Babel), the parser for typed amounts, and the sentences for the core's problem
codes. The console (ui/), the CLI and notebooks all speak through here, so `2,50`, `US$ 0,72`
and "saldo insuficiente" read the same wherever an operator meets them. Nothing here knows of
Streamlit: a session's language is the console's business (ui.words.i18n).
"""
