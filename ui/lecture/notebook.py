"""What the lecture's notebook prints (karpathy/nn-zero-to-hero, makemore_part3_bn.ipynb), on its
names.txt: the numbers each chapter puts next to its own."""

STEP0_LOSS = {"original": 27.8817, "batchnorm": 3.3239, "deep": 3.2870}  # printed at step 0 (cells 7, 14)
UNIFORM_LOSS = 3.2958                               # -ln(1/27)
PARAMS = {"original": 11_897, "batchnorm": 12_097, "deep": 47_024}

# the notebook's "loss log" (its markdown cell after cell 10): train / val after 200,000 steps
LOSS_LOG = {
    "original": (2.1245, 2.1682),
    "softmax-fix": (2.07, 2.13),
    "tanh-fix": (2.0356, 2.1027),
    "kaiming": (2.0377, 2.1070),
    "batchnorm": (2.0668, 2.1048),
}
BATCHNORM_RUNNING = (2.0674, 2.1057)  # cell 10: the batchnorm stage evaluated with its running mean/std

# the deep net after its 1,001 debugging steps (cells 15-20)
DEEP_ACTIVATIONS = [  # (layer, mean, std, saturated %)
    (2, -0.00, 0.63, 2.78), (5, 0.00, 0.64, 2.56), (8, -0.00, 0.65, 2.25), (11, 0.00, 0.65, 1.69),
    (14, 0.00, 0.65, 1.88)]
DEEP_GRAD_STD = [2.640702e-03, 2.245584e-03, 2.045742e-03, 1.983134e-03, 1.952382e-03]
DEEP_GRAD_TO_DATA = [8.012630e-03, 4.881091e-02, 6.964619e-02, 6.073741e-02, 5.631483e-02, 5.570125e-02,
                     1.160106e-01]
DEEP_SPLIT = {"train": 2.4003, "val": 2.3982}
DEEP_NAMES = ["carpah", "qarlileif", "jmrix", "thty", "sacansa", "jazhnte", "dpn", "arciigqeiunellaia", "chriiv",
              "kalein", "dhlm", "join", "qhinn", "sroin", "arian", "quiqaelogiearyxix", "kaeklinsan", "ed", "ecoia",
              "gtleley"]

# the bonus cells 23 and 24: statistics of a Linear, and of a Linear followed by a BatchNorm
LINEAR = {"a std": 0.9876, "b std": 1.0007, "c std": 31.0124, "c grad std": 0.9783, "a grad std": 30.8818,
          "b grad std": 0.9667}
LINEAR_BATCHNORM = {"inp std": 0.9876, "w std": 1.0007, "x std": 31.0124, "out std": 1.0, "out grad std": 0.9783,
                    "x grad std": 0.0315, "w grad std": 0.0312, "inp grad std": 0.9953}
