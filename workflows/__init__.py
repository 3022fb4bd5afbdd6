"""Work that spans the record and the access layer: registering people (intake), handing
records over, finding and merging duplicates, importing other agencies' files. Each
package by topic; none imports another except as `.importlinter` allows."""
