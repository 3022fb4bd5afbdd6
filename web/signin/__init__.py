"""Sign-in: the second factor, lockout after failed attempts, password rules and the
sessions a user can see and end (docs/architecture.md "Sign-in").

An app of its own (label `signin`) inside the pages layer: it writes audit events and
mails supervisors, so it sits above audit and agencies.
"""
