"""What a review costs (the independent chair, administration, family advocacy) and who pays each part."""
