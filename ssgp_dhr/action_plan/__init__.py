"""The action plan: recommendations, their progress and their RAG status, through to closing the review."""
