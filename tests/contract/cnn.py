"""Contract examples for Part III, ``dlbook.cnn``, and its chapters' checks."""

import matplotlib.pyplot as plt
import torch
from torch import nn

from dlbook.cnn.augment import hflip, random_hflip

from . import Example, checks_in, merge, propagates

RECORD = "a plain record: its fields are stored as given"
IMAGES = "images are arithmetic: a NaN pixel gives NaN pixels, as in torch"
MOVED_OUT = ("a geometric transform may move a pixel, NaN or not, out of the frame; "
             "a value it keeps stays NaN")
NO_IMAGES = {"empty": "zero images give zero outputs"}
NO_BOXES = {"empty": "zero boxes give an empty result"}
NO_ROWS = {"empty": "zero rows give an empty table"}
TO_MODEL = "x goes to the reader's model as it is"
ZERO_ONE = {"dtype": "0 and 1 as integers say the same as 0.0 and 1.0"}
IDS = {"range": "class ids are only compared for equality: any integer is an id"}


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _images(n=2, c=3, h=8, w=8, seed=0):
    return torch.rand(n, c, h, w, generator=_g(seed))


def _boxes():
    return torch.tensor([[0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 5.0, 5.0], [6.0, 6.0, 8.0, 9.0]])


def _scores():
    return torch.tensor([0.9, 0.8, 0.7])


def _conv_args():
    return dict(x=torch.randn(1, 2, 5, 5, generator=_g()),
                weight=torch.randn(4, 1, 3, 3, generator=_g(1)), bias=torch.zeros(4),
                stride=1, padding=1, dilation=1, groups=2)


def _tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, 3))


def _attribution(accept=None, **extra):
    return Example(lambda: dict(model=_tiny_model(), x=_images(), target=1, **extra),
                   accept=merge({"x": {"shape:extra-dim": TO_MODEL}}, accept or {}))


def _augment(moves=False, **extra):
    accept = {"x": {"nan": MOVED_OUT, "inf": MOVED_OUT}} if moves else propagates(
        "x", reason=IMAGES)
    return Example(dict(x=_images(), **extra), accept=accept)


def _forward(x, **accept):
    """A network's forward on a batch of images."""
    return Example(dict(x=x), accept=merge(propagates("x"), {"x": NO_IMAGES}, {"x": accept}))


def _detector_output():
    return torch.randn(2, 3, 3, 7, generator=_g())


def _grid_target():
    target = torch.zeros(2, 3, 3, 6)
    target[0, 1, 1] = torch.tensor([1.0, 0.5, 0.5, 0.4, 0.4, 1.0])
    return target


EXAMPLES = {
    # --- convolution -----------------------------------------------------------
    "dlbook.cnn.conv.conv_output_size": Example(
        dict(size=8, kernel_size=3, stride=2, padding=1, dilation=1)),
    "dlbook.cnn.conv.unfold": Example(
        dict(x=torch.randn(1, 2, 5, 5), kernel_size=3, stride=1, padding=1, dilation=1,
             pad_value=0.0),
        accept=merge(propagates("x"), {"x": NO_IMAGES},
                     {"pad_value": {"range:negative": "any number can fill the border",
                                    "inf": "-inf fills the border for max pooling"}})),
    "dlbook.cnn.conv.conv2d_loop": Example(
        _conv_args, accept=merge(propagates("x", "weight", "bias"), {"x": NO_IMAGES})),
    "dlbook.cnn.conv.conv2d_im2col": Example(
        _conv_args, accept=merge(propagates("x", "weight", "bias"), {"x": NO_IMAGES})),
    "dlbook.cnn.conv.max_pool2d": Example(
        dict(x=torch.randn(1, 2, 6, 6), kernel_size=2, stride=2, padding=1, dilation=1),
        accept=merge(propagates("x"), {"x": NO_IMAGES})),
    "dlbook.cnn.conv.avg_pool2d": Example(
        dict(x=torch.randn(1, 2, 6, 6), kernel_size=2, stride=2, padding=1),
        accept=merge(propagates("x"), {"x": NO_IMAGES})),
    "dlbook.cnn.conv.receptive_field": Example(
        dict(layers=[(3, 1), (2, 2), (3, 1, 2)]),
        accept={"layers": {"empty": "no layers: an empty list of fields"}}),
    "dlbook.cnn.conv.gradient_receptive_field": Example(
        lambda: dict(model=nn.Conv2d(2, 3, 3), in_channels=2, size=7)),
    "dlbook.cnn.conv.gaussian_kernel": Example(
        dict(size=5, sigma=1.0), bad={"sigma": {"range:zero": 0.0}}),
    "dlbook.cnn.conv.classic_kernels": Example(),
    # --- LeNet -----------------------------------------------------------------
    "dlbook.cnn.lenet.LeNet": Example(
        dict(channels=(4, 8), hidden=(16, 8), classes=10, dropout=0.3),
        methods={"forward": _forward(torch.rand(2, 1, 8, 8))}),
    "dlbook.cnn.lenet.random_affine": Example(
        dict(x=_images(), generator=_g(), rotation=10.0, scale=0.1, shift=1.0),
        accept=propagates("x", reason=IMAGES)),
    "dlbook.cnn.lenet.augmented_loader": Example(
        dict(X=torch.rand(6, 1, 8, 8), y=torch.arange(6) % 3, batch_size=4, seed=0,
             rotation=5.0),
        accept={"X": {"nan": MOVED_OUT, "inf": MOVED_OUT},
                "y": {"shape:extra-dim": "the targets are passed on to the loss as they are",
                      "dtype": "the targets are passed on to the loss as they are",
                      "range": "the targets are passed on to the loss as they are"},
                "rotation": {"range:negative": "rotation is the range of angles: "
                                               "checked when the loader is made"}}),
    "dlbook.cnn.lenet.LeNetResult": Example(record=RECORD),
    "dlbook.cnn.lenet.train_lenet_digits": Example(dict(seed=0, epochs=1, verbose=False),
                                                   forms=False),
    # --- architectures ---------------------------------------------------------
    "dlbook.cnn.architectures.conv2d_params": Example(
        dict(in_channels=4, out_channels=6, kernel_size=(3, 5), bias=True, groups=2)),
    "dlbook.cnn.architectures.conv2d_macs": Example(
        dict(in_channels=4, out_channels=6, kernel_size=3, out_height=5, out_width=4,
             groups=2)),
    "dlbook.cnn.architectures.count_parameters": Example(
        lambda: dict(model=nn.Linear(3, 2), trainable_only=True)),
    "dlbook.cnn.architectures.LayerCost": Example(record=RECORD),
    "dlbook.cnn.architectures.layer_costs": Example(
        lambda: dict(model=_tiny_model(), input_shape=(3, 8, 8))),
    "dlbook.cnn.architectures.count_macs": Example(
        lambda: dict(model=_tiny_model(), input_shape=(3, 8, 8))),
    "dlbook.cnn.architectures.conv_bn_relu": Example(
        dict(in_channels=3, out_channels=4, kernel_size=3, stride=2)),
    "dlbook.cnn.architectures.vgg_block": Example(
        dict(in_channels=3, out_channels=4, num_convs=2, batch_norm=False)),
    "dlbook.cnn.architectures.InceptionBlock": Example(
        dict(in_channels=3, c1=2, c3=(2, 4), c5=(1, 2), pool_proj=2),
        methods={"forward": _forward(_images())}),
    "dlbook.cnn.architectures.ResidualBlock": Example(
        dict(in_channels=3, out_channels=4, stride=2, residual=True, zero_init=True),
        methods={"forward": _forward(_images())}),
    "dlbook.cnn.architectures.alexnet_small": Example(
        dict(num_classes=3, in_channels=3, width=4, hidden=8, dropout=0.5)),
    "dlbook.cnn.architectures.vgg_small": Example(
        dict(num_classes=3, in_channels=3, width=4, convs=(1, 2))),
    "dlbook.cnn.architectures.inception_small": Example(
        dict(num_classes=3, in_channels=3, width=4)),
    "dlbook.cnn.architectures.SmallResNet": Example(
        dict(depth=8, width=4, num_classes=3, in_channels=3, residual=True, zero_init=True,
             stem_stride=2),
        methods={"forward": _forward(_images())}),
    "dlbook.cnn.architectures.plain_net": Example(dict(depth=8, width=4)),
    # --- augmentation and transfer ---------------------------------------------
    "dlbook.cnn.augment.hflip": _augment(),
    "dlbook.cnn.augment.vflip": _augment(),
    "dlbook.cnn.augment.random_hflip": _augment(p=0.5, generator=_g()),
    "dlbook.cnn.augment.random_vflip": _augment(p=0.5, generator=_g()),
    "dlbook.cnn.augment.random_crop": _augment(True, padding=2, size=6, fill=0.5,
                                               generator=_g()),
    "dlbook.cnn.augment.rotate": Example(
        dict(x=_images(), degrees=30.0, padding_mode="border"),
        accept={"x": {"nan": MOVED_OUT, "inf": MOVED_OUT},
                "degrees": {"range:negative": "a negative angle turns clockwise"}}),
    "dlbook.cnn.augment.random_rotation": _augment(True, max_degrees=15.0,
                                                   padding_mode="zeros", generator=_g()),
    "dlbook.cnn.augment.gaussian_noise": _augment(std=0.1, clip=False, generator=_g()),
    "dlbook.cnn.augment.grayscale": _augment(),
    "dlbook.cnn.augment.color_jitter": _augment(brightness=0.2, contrast=0.3,
                                                saturation=0.4, generator=_g()),
    "dlbook.cnn.augment.cutout": _augment(size=3, p=1.0, fill=0.5, generator=_g()),
    "dlbook.cnn.augment.Compose": Example(
        dict(transforms=[random_hflip, hflip]),
        accept={"transforms": {"empty": "no transforms: the identity"}},
        methods={"__call__": _augment(generator=_g())}),
    "dlbook.cnn.augment.Augment": Example(
        dict(transform=random_hflip,
             seed=0),
        methods={"forward": _augment()}),
    "dlbook.cnn.transfer.ConvTrunk": Example(
        dict(in_channels=3, widths=(4, 8), stride=2),
        methods={"forward": _forward(_images())}),
    "dlbook.cnn.transfer.freeze": Example(lambda: dict(module=nn.Linear(2, 2))),
    "dlbook.cnn.transfer.MultiTaskNet": Example(
        lambda: dict(trunk=nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 5)),
                     feature_dim=5, out_dims=[2, 3]),
        methods={"forward": _forward(_images(), shape=TO_MODEL, dtype=TO_MODEL),
                 "split": Example(dict(out=torch.randn(4, 5)), accept=merge(
                     propagates("out", reason="the outputs are cut as they are"),
                     {"out": {"empty": "zero rows give zero rows",
                              "dtype": "the outputs are cut as they are"}}))}),
    # --- detection and segmentation --------------------------------------------
    "dlbook.cnn.detection.box_area": Example(dict(boxes=_boxes()),
                                             accept={"boxes": NO_BOXES}),
    "dlbook.cnn.detection.box_iou": Example(dict(boxes_a=_boxes(), boxes_b=_boxes()[:2]),
                                            accept={"boxes_a": NO_BOXES, "boxes_b": NO_BOXES}),
    "dlbook.cnn.detection.nms": Example(
        dict(boxes=_boxes(), scores=_scores(), iou_threshold=0.5,
             classes=torch.tensor([0, 0, 1])),
        accept={"classes": {"range:huge": "class ids are only compared for equality"}}),
    "dlbook.cnn.detection.match_detections": Example(
        dict(pred_boxes=_boxes(), pred_scores=_scores(), true_boxes=_boxes()[1:],
             iou_threshold=0.5),
        accept={"true_boxes": {"empty": "no objects: every prediction is a false positive"}}),
    "dlbook.cnn.detection.precision_recall": Example(
        dict(scores=_scores(), is_tp=torch.tensor([True, False, True]), num_true=3)),
    "dlbook.cnn.detection.average_precision": Example(
        dict(scores=_scores(), is_tp=torch.tensor([True, False, True]), num_true=3)),
    "dlbook.cnn.detection.mean_average_precision": Example(
        dict(pred_boxes=[_boxes()], pred_scores=[_scores()],
             pred_classes=[torch.tensor([0, 1, 0])], true_boxes=[_boxes()[:2]],
             true_classes=[torch.tensor([0, 1])], num_classes=2, iou_threshold=0.5)),
    "dlbook.cnn.detection.encode_grid": Example(
        dict(boxes=[_boxes()], classes=[torch.tensor([0, 1, 2])], image_size=12, grid=3),
        accept={"classes": {"element:range:huge": "encode_grid stores any class index; "
                                                  "the loss checks it against its classes"}},
        bad={"boxes": {"range:outside-image": [torch.tensor([[10.0, 10.0, 20.0, 20.0]])]},
             "classes": {"dtype:fraction": [torch.tensor([0.5, 1.0, 2.0])]}}),
    "dlbook.cnn.detection.decode_grid": Example(
        dict(target=_grid_target(), image_size=12),
        accept={"target": {"empty": "zero images give empty lists"}}),
    "dlbook.cnn.detection.GridDetector": Example(
        dict(num_classes=2, in_channels=3, width=4, downsamples=2),
        methods={"forward": _forward(_images(h=12, w=12))}),
    "dlbook.cnn.detection.detection_loss": Example(
        dict(output=_detector_output(), target=_grid_target(), box_weight=5.0),
        accept=propagates("output"),
        bad={"target": {"range:class": _grid_target() * torch.tensor([1.0] * 5 + [9.0])}}),
    "dlbook.cnn.detection.decode_predictions": Example(
        dict(output=_detector_output(), image_size=12, score_threshold=0.05,
             iou_threshold=0.5),
        accept={"output": {"empty": "zero images give empty lists"},
                "iou_threshold": {"type:None": "None skips the suppression"}}),
    "dlbook.cnn.detection.draw_boxes": Example(
        lambda: dict(ax=plt.subplots()[1], boxes=_boxes(),
                     classes=torch.tensor([0, 1, 0]), scores=_scores(),
                     class_names=["a", "b"], class_colors=["red", "blue"], color="red",
                     linestyle="--", linewidth=1.0, fontsize=7),
        accept={"classes": {"type:list": "classes may be a list or an array",
                            "type:ndarray": "classes may be a list or an array"},
                "scores": {"type:list": "scores may be a list or an array",
                           "type:ndarray": "scores may be a list or an array",
                           "nan": "a score is only printed", "inf": "a score is only printed",
                           "dtype": "a score is only printed"},
                "class_names": {"element": "a name is shown with str()"},
                "fontsize": {"type:float": "a font size may be fractional"},
                "boxes": NO_BOXES}),
    "dlbook.cnn.segmentation.UNet": Example(
        dict(in_channels=3, num_classes=2, width=4, depth=2, convs=1),
        methods={"forward": _forward(_images())}),
    "dlbook.cnn.segmentation.confusion_matrix": Example(
        dict(pred=torch.tensor([[0, 1], [1, 2]]), target=torch.tensor([[0, 1], [2, 2]]),
             num_classes=3)),
    "dlbook.cnn.segmentation.pixel_iou": Example(
        dict(pred=torch.tensor([[0, 1], [1, 2]]), target=torch.tensor([[0, 1], [2, 2]]),
             num_classes=3)),
    "dlbook.cnn.segmentation.mean_iou": Example(
        dict(pred=torch.tensor([[0, 1], [1, 2]]), target=torch.tensor([[0, 1], [2, 2]]),
             num_classes=3)),
    "dlbook.cnn.segmentation.pixel_accuracy": Example(
        dict(pred=torch.tensor([[0, 1], [1, 2]]), target=torch.tensor([[0, 1], [2, 2]])),
        accept={k: {"range:huge": "without num_classes, any label >= 0 is a class"}
                for k in ("pred", "target")}),
    # --- metric learning -------------------------------------------------------
    "dlbook.cnn.metric_learning.pairwise_distances": Example(
        dict(x=torch.randn(4, 3), y=torch.randn(5, 3), squared=False),
        accept=merge(propagates("x", "y"), {"x": NO_ROWS, "y": NO_ROWS})),
    "dlbook.cnn.metric_learning.contrastive_loss": Example(
        dict(z1=torch.randn(4, 3), z2=torch.randn(4, 3), same=torch.tensor([1., 0, 1, 0]),
             margin=1.0),
        accept=merge(propagates("z1", "z2"), {"same": ZERO_ONE})),
    "dlbook.cnn.metric_learning.triplet_loss": Example(
        dict(anchor=torch.randn(4, 3), positive=torch.randn(4, 3),
             negative=torch.randn(4, 3), margin=1.0, squared=True, eps=1e-6),
        accept=propagates("anchor", "positive", "negative")),
    "dlbook.cnn.metric_learning.batch_hard_mining": Example(
        dict(embeddings=torch.randn(6, 3), labels=torch.tensor([0, 0, 1, 1, 2, 2])),
        accept={"labels": IDS}),
    "dlbook.cnn.metric_learning.batch_hard_triplet_loss": Example(
        dict(embeddings=torch.randn(6, 3), labels=torch.tensor([0, 0, 1, 1, 2, 2]),
             margin=0.5, squared=False),
        accept={"labels": IDS}),
    "dlbook.cnn.metric_learning.sample_pairs": Example(
        dict(labels=torch.tensor([0, 0, 1, 1, 2, 2]), n_pairs=4, seed=0),
        accept={"labels": IDS}),
    "dlbook.cnn.metric_learning.EmbeddingNet": Example(
        dict(embedding_dim=4, width=4, in_channels=1, normalize=True),
        methods={"forward": _forward(torch.rand(2, 1, 8, 8)),
                 "represent": _forward(torch.rand(2, 1, 8, 8))}),
    "dlbook.cnn.metric_learning.SiameseNet": Example(
        lambda: dict(embedding=nn.Sequential(nn.Flatten(), nn.Linear(64, 4))),
        methods={"forward": Example(dict(pairs=torch.rand(3, 2, 1, 8, 8)),
                                    accept=merge(propagates("pairs"), {"pairs": {
                                        "shape:extra-dim": "the images go to the reader's "
                                                           "embedding network as they are",
                                        "dtype": "the images go to the reader's "
                                                 "embedding network as they are"}}))}),
    "dlbook.cnn.metric_learning.pair_contrastive_loss": Example(
        dict(out=torch.randn(4, 2, 3), same=torch.tensor([1., 0, 1, 0]), margin=1.0),
        accept=merge(propagates("out"), {"same": ZERO_ONE})),
    "dlbook.cnn.metric_learning.verification_accuracy": Example(
        dict(distances=torch.tensor([0.1, 0.9, 0.4, 1.2]), same=torch.tensor([1, 0, 1, 0]),
             threshold=0.5),
        accept={"threshold": {"range:negative": "any threshold is a rule (a useless one "
                                                "here)"}}),
    "dlbook.cnn.metric_learning.best_threshold": Example(
        dict(distances=torch.tensor([0.1, 0.9, 0.4, 1.2]), same=torch.tensor([1, 0, 1, 0]))),
    "dlbook.cnn.metric_learning.one_shot_accuracy": Example(
        dict(embeddings=torch.randn(8, 3), labels=torch.tensor([0, 0, 1, 1, 2, 2, 3, 3]),
             n_way=3, episodes=5, seed=0),
        accept={"labels": IDS}),
    # --- attribution -----------------------------------------------------------
    "dlbook.cnn.attribution.class_scores": _attribution(
        merge(propagates("x", reason="the scores are the model's outputs"),
              {"x": {"shape": TO_MODEL, "dtype": TO_MODEL}})),
    "dlbook.cnn.attribution.saliency": _attribution(),
    "dlbook.cnn.attribution.gradient_x_input": _attribution(),
    "dlbook.cnn.attribution.smoothgrad": _attribution(samples=2, noise=0.1,
                                                      generator=_g()),
    "dlbook.cnn.attribution.ig_nodes": Example(dict(steps=4, method="midpoint")),
    "dlbook.cnn.attribution.integrated_gradients": _attribution(
        {"baseline": {"shape:extra-dim": "a baseline broadcasts to x"}},
        baseline=torch.zeros(3, 8, 8), steps=4, method="trapezoid", batch_size=8),
    "dlbook.cnn.attribution.completeness_gap": _attribution(
        merge(propagates("attributions"),
              {"baseline": {"range:negative": "any number can be a baseline"}}),
        attributions=torch.zeros(2, 3, 8, 8), baseline=0.5),
    "dlbook.cnn.attribution.occlusion": _attribution(
        {"fill": {"type:None": "None fills with zeros, as a baseline does",
                  "range:negative": "any number can fill the window"}},
        window=4, stride=2, fill=0.0, batch_size=8),
    "dlbook.cnn.attribution.mask_fraction": Example(
        dict(maps=torch.rand(2, 4, 4), masks=torch.randint(0, 2, (2, 4, 4))),
        accept=merge(propagates("maps"), {"masks": {
            "dtype": "any nonzero value marks the object",
            "range": "any nonzero value marks the object"}})),
}

EXAMPLES.update(checks_in(*(f"dlbook.checks.{chapter}" for chapter in (
    "convolution", "lenet", "architectures", "augmentation_transfer",
    "detection_segmentation", "siamese", "interpretability"))))

# --- diagrams ------------------------------------------------------------------


def _small_lenet():
    from dlbook.cnn.lenet import LeNet
    return LeNet(channels=(2, 4), hidden=(8, 6))


EXAMPLES.update({
    "dlbook.cnn.diagrams.Layer": Example(record=RECORD),
    "dlbook.cnn.diagrams.Branches": Example(record=RECORD),
    "dlbook.cnn.diagrams.layer_label": Example(lambda: dict(module=nn.Conv2d(3, 4, 3))),
    "dlbook.cnn.diagrams.describe_module": Example(
        lambda: dict(module=_small_lenet(), input_shape=(1, 8, 8))),
    "dlbook.cnn.diagrams.draw_module": Example(
        lambda: dict(module=_small_lenet(), input_shape=(1, 8, 8), title="LeNet"),
        accept={"title": {"range:choice": "any string is a title"}}),
})


def _small_unet():
    from dlbook.cnn.segmentation import UNet

    return UNet(3, 2, width=4, depth=2)


EXAMPLES.update({
    "dlbook.cnn.conv.conv_transpose2d": Example(
        lambda: dict(x=torch.randn(1, 2, 4, 4, generator=_g()),
                     weight=torch.randn(2, 3, 3, 3, generator=_g(1)), bias=torch.zeros(6),
                     stride=2, padding=1, output_padding=1, groups=2, dilation=1),
        accept=merge(propagates("x", "weight", "bias"), {"x": NO_IMAGES})),
    "dlbook.cnn.segmentation.draw_unet": Example(
        lambda: dict(ax=plt.subplots()[1], model=_small_unet(), size=16)),
})
