"""A person's data under Brazil's LGPD (Lei 13.709/2018): find, export and erase what the
workspace holds about one phone number, and keep sent texts no longer than the business needs.

`finding` reads every text column of every table for the number, however it was written;
`dossier` is the documented JSON export (docs/person-export.schema.json); `erasure` removes
and anonymises, deleting the records at Twilio too; `retention` applies the same
anonymisation to what is older than the workspace keeps; `anonymise` is what both share.
"""
