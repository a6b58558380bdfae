"""The lung U-Net: data, augmentation, training, packaging (``radassist train-segmentation``)."""
