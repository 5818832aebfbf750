import Foundation
import Engines
import MirrorCore
import MirrorModels
import MirrorTraining

/// `mirror train`: the seed's triplet training (`retrieval/train.py`). The CLI only turns flags
/// into a `TrainingRun` (MirrorTraining) and reports; everything else lives in the module.
enum TrainCommand {
    static let command = Command(
        name: "train",
        summary: "Train a network to rank overlapping images first (the seed's triplet training).",
        synopsis: "(--gl3d ROOT | --pairs PAIRS.tsv --image-list LIST) [options]",
        discussion: """
        Each step draws B triplets from B distinct scenes (anchor, an overlapping positive, a negative), \
        augments them as the seed does, and minimises the seed's softmin structured loss on the global \
        max-pooled stage features (ResNet-50 res5c_branch2c; GoogLeNet inception_{4a,4d,5b}_loss; \
        EfficientNet-Lite0 head) plus weight decay, with momentum SGD, lr = base_lr·gamma^(step/stepvalue) \
        and 10× lr for the stage layers. Batch norm stays frozen at its stored statistics.
        Every --snapshot steps SAVE_DIR/model-STEP.h5 (an ordinary weight file for extract --weights) and \
        SAVE_DIR/state-STEP.bin (optimizer state) are written atomically; train_log.jsonl gets one line \
        per step. --resume continues from the newest snapshot and ends with the same bytes as a run that \
        never stopped (same engine and threads). Formats: Docs/FORMATS.md ("Training data", "Training \
        snapshots").
        """,
        options: [
            .value("gl3d", "ROOT", help: "GL3D root: list/global_stats/global_img_list.txt and forward/train_list_with_mask.bin (SPEC §8.1)."),
            .value("pairs", "PAIRS.tsv", help: "Pairs file of the plain format: i, j, overlap per line (Docs/FORMATS.md); scenes are its connected groups."),
            .value("image-list", "LIST", help: "With --pairs: the image paths, one per line, indexed from 0."),
            .value("image-root", "DIR", help: "With --pairs: prefix for relative image paths (default: the list's folder)."),
            .value("positive-overlap", "T", help: "With --pairs: pairs with overlap ≥ T are positives.", default: "0.5"),
            .value("hard-negatives", "T", help: "Draw each negative from the anchor's own scene among its listed pairs with "
                   + "overlap < T (same place, too little overlap to match) when it has such pairs; else from another scene."),
            .value("save-dir", "DIR", help: "Where snapshots and train_log.jsonl go.", default: "./ckpt"),
            .flag("resume", help: "Continue from the newest complete snapshot in --save-dir (weights, optimizer state, step)."),
            .value("batch-size", "B", help: "Triplets per step (the network sees 3B images); capped to the number of scenes. "
                   + "Default: 16 for resnet-50 and googlenet (the seed's), 8 for efficientnet-lite0."),
            .value("img-size", "S", help: "Side of the square training images, a multiple of 32.", default: "224"),
            .value("base-lr", "LR", help: "Base learning rate.", default: "0.002"),
            .value("gamma", "G", help: "Learning-rate decay: lr = base_lr·G^(step/stepvalue), continuous.", default: "0.9"),
            .value("stepvalue", "N", help: "Steps per decay by --gamma.", default: "10000"),
            .value("momentum", "M", help: "Momentum of the SGD solver.", default: "0.9"),
            .value("weight-decay", "WD", help: "L2 weight decay wd·Σ‖w‖²/2 over every trainable variable.", default: "0.0001"),
            .value("optimizer", "NAME", help: "momentum (the seed's) or adam.", default: "momentum", allowed: OptimizerKind.allCases.map(\.rawValue)),
            .value("loss", "NAME", help: "softmin (the seed's training loss) or hinge (its unused alternative).",
                   default: "softmin", allowed: TripletLossKind.allCases.map(\.rawValue)),
            .flag("with-weak", help: "Add the structured loss on anchor–negative distances."),
            .flag("with-hard", help: "Add the per-triplet loss comparing anchor–positive with anchor–negative."),
            .flag("no-augment", help: "Skip the seed's colour and flip augmentation."),
            .flag("feature-norm", help: "L2-normalise the pooled features before the loss (the seed's feature_reduce(norm=True); "
                  + "its training uses norm=False). Retrieval compares normalised descriptors; raw distances saturate the ±10 clip."),
            .value("trainable-from", "LAYER", help: "Train only from this top-level layer on (e.g. blocks_11 for efficientnet-lite0, "
                   + "res4a_relu for resnet-50, inception_4a_output for googlenet); earlier layers stay frozen and the backward "
                   + "pass stops there. Default: every layer, as the seed."),
            .value("max-steps", "N", help: "Total steps of the run.", default: "1000000"),
            .value("snapshot", "N", help: "Write a snapshot every N steps (and after the last).", default: "1000"),
            .value("keep", "K", help: "Snapshots kept on disk, newest first (0: all).", default: "5"),
            .value("display", "N", help: "Print the loss and accuracy of every term every N steps.", default: "25"),
            .value("seed", "N", help: "Seed of the sampling and augmentation streams.", default: "0"),
        ] + SharedOptions.model + SharedOptions.compute + [SharedOptions.quiet],
        run: { args, console in try TrainRunner(args, console: console).run() })
}
