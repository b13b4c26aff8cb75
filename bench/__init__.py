"""`make bench` (`python -m bench` from the repository root): the blog's speed against bare Flask.

__main__.py  the options and the run, in order
data.py      the bench database: demo content, articles with 10/50/1,000 comments, staff
servers.py   gunicorn for the blog and for the ceiling (ceiling.py), started and stopped
measure.py   wrk runs, each paired with a ceiling run; SQL statements per page
report.py    the table, the targets, the JSON, the plot
post.lua     the wrk script that posts comments and approvals
"""
