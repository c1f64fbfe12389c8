"""Part III, Convolutional networks.

``conv`` (convolution and pooling from scratch), ``lenet``, ``architectures``
(VGG, Inception and residual blocks), ``augment`` (image augmentations on
tensors), ``transfer``, ``detection``, ``segmentation``, ``metric_learning``
(Siamese networks and their losses), ``attribution`` (saliency and friends).
"""
