"""Views of the clients app, split by topic: records (register, read, change, hand over),
duplicates (intake check, review queue, merge), imports (CSV upload)."""
