"""Collections (F23): days past due and buckets, the collections strategy and its daily actions,
write-off and recovery of loans that will not be repaid."""
