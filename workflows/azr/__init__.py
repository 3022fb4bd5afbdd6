"""AZR / XAusländer alignment (issue 14): one record in the shape of the federal
register's core data set, as JSON and XML validated against our own schemas
(`schemas/`), and the reading of such a file to pre-fill the intake form.

Our schemas are an alignment, shaped after the AZR core data set (§ 3 AZRG) and the
element names of XAusländer; they are not the official XÖV schema (docs/azr-mapping.md).
"""
