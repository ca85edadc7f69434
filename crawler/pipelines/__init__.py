"""Item pipelines, one job each: validate -> dedupe -> brands -> store."""
