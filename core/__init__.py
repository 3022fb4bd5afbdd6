"""What every layer needs and that knows no model of ours: the record's sections, partial
dates, the identity module (names, matching), shared form fields and safe CSV."""
