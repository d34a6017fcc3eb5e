"""Publication of reviews: the anonymisation check, the publication record, the public reviews page and the managers\x27 board."""
