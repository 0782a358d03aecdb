"""Low-balance notices that reach the operator when the console is closed.

The balance drains while nobody looks (batches scheduled with Twilio's scheduler, another app
sharing the account), so a banner inside the console is not enough. This room watches the
balance without a browser (the console's server thread and `smscore balance --notify`), tells
each fall below the threshold once (`state`, kept in the workspace), and says so by e-mail, SMS
and a webhook (`channels`, `mail`), in the workspace's language (`message`). `options` holds
what an admin sets; `watch` puts the steps together; `spend` turns Twilio's Usage Trigger
callbacks (smscore.twilio.usage) into notices.
"""
