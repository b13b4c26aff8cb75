"""Email that is never lost: a durable outbox, and the senders that empty it.

An email is a row (models.OutboxMessage) written by the use case that causes it, in its own
transaction (queue.enqueue), so a committed change always has its email and a rolled-back one
never does; nothing a reader or staff member does talks to the mail server. Sending is the
senders' work (sender.py): each app process runs one on a thread, woken when its process writes
an email and every OUTBOX_POLL_SECONDS for retries; `flask worker` is one that keeps running in a
process of its own, `flask worker --once` sends what is due once. With no MAIL_SERVER they write
each message as an .eml file into MAIL_PICKUP_DIR instead (pickup.py), for the site owner to read.
A sender claims one message at a time with a lease, talks SMTP outside any transaction
(smtp.py), then marks it sent or due again later, with a backoff (queue.py). Several senders,
processes and machines may run at once: a message goes out at least once (a sender that dies
after sending but before marking it sent leaves it to be sent again when its lease ends, with
the same Message-ID), never lost.
"""
