"""PyTorch models (CPU), sharing one small training loop. Importing whyrec never imports torch."""
