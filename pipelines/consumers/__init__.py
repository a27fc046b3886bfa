"""The pipeline's consumers: plain async functions over batches of events, run by a broker or in-process."""
