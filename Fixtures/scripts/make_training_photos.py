#!/usr/bin/env python3
"""Cuts and downsizes the source photos of the training fixtures into Fixtures/photos/.

Every photo comes from a Debian package whose copyright file (or the wallpaper's own metadata)
gives a licence that allows redistribution and modification; SELECTION below is the one place
that names them, with author and licence, and the script writes Fixtures/photos/SOURCES.md from
it. A few photos sit inside a Qt resource bundle (.rcc) of a package; SELECTION names them as
"<path of the .rcc>!<resource path>", and the script reads them with its own small .rcc reader.
Further GCompris photos are picked by rule at run time (gcompris_auto, GC_* constants): the resource
READMEs are parsed, and every image marked public domain or CC0-1.0 that is large enough, not mostly
flat background, not a near-duplicate and not on GC_DENYLIST is added; SOURCES.md lists what the rules
left out and why.
Wide photos may be cut into two disjoint halves (left half = columns [0, W//2), right half
= [W//2, W)); each half is its own source. TRAIN and HELD-OUT are disjoint by original photo.

Each source is stored with its long side 512 (Pillow LANCZOS, after EXIF orientation), RGB,
JPEG quality 90 (Pillow's default 4:2:0 subsampling), no metadata.

Never use here (reserved for independent evaluation): Debian opencv-doc, scikit-image's bundled
images, lomiri-wallpapers-16.04, xplanet-images. The script refuses those packages.

Run (repository root):
    apt-get update
    mkdir -p /tmp/debs && cd /tmp/debs && apt-get download mate-backgrounds=1.26.0-1 \\
        plasma-workspace-wallpapers=4:5.27.5-2 lomiri-wallpapers-20.04=20.04.0-2 palapeli-data=4:22.12.3-1 \\
        lxqt-themes=1.2.0-1 gcompris-qt-data=3.1-2
    /work/venv/bin/python Fixtures/scripts/make_training_photos.py --debs /tmp/debs

Needs Python 3 with Pillow, and `dpkg-deb` on PATH.
"""
import argparse
import glob
import hashlib
import io
import os
import shutil
import subprocess
import sys
import struct
import tempfile
import urllib.parse
import zlib
import fnmatch

from PIL import Image, ImageOps, ImageStat

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "Fixtures", "photos")
LONG_SIDE = 512
QUALITY = 90

PACKAGES = {
    "mate-backgrounds": "1.26.0-1",
    "plasma-workspace-wallpapers": "4:5.27.5-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "palapeli-data": "4:22.12.3-1",
    "lxqt-themes": "1.2.0-1",
    "gcompris-qt-data": "3.1-2",
}
FORBIDDEN_PACKAGES = ("opencv-doc", "lomiri-wallpapers-16.04", "xplanet-images", "scikit-image", "skimage")

PLASMA = "usr/share/wallpapers/{}/contents/images/2560x1600.jpg"
MATE = "usr/share/backgrounds/mate/nature/{}.jpg"
PALAPELI = "usr/share/palapeli/collection/{}.jpg"
LXQT = "usr/share/lxqt/wallpapers/{}.png"
GC_RCC = "usr/share/gcompris-qt/rcc/{}.rcc!/gcompris/src/activities/{}/resource/{}.webp"
GC_MONUMENT = lambda name: GC_RCC.format("explore_monuments", "explore_monuments", name)
GC_ANIMAL = lambda name: GC_RCC.format("explore_world_animals", "explore_world_animals", "animals/" + name)
GC_ERASE = lambda name: GC_RCC.format("erase", "erase", name)

# (split, name, package, path in package, cut, what, author, licence, where the licence is stated)
# cut: "full" or "halves" (two sources, <name>_l and <name>_r).
PLASMA_LICENCE = ("LGPL-3 (metadata.json); GPL-2+ (Debian copyright, Files: *)",
                  "contents of the wallpaper folder's metadata.json; /usr/share/doc/plasma-workspace-wallpapers/copyright")
MATE_LICENCE = ("GPL-2+", "/usr/share/doc/mate-backgrounds/copyright")
LXQT_LICENCE = ("CC-BY-SA-3.0 (wallpapers' License file; credited to stefonarch); LGPL-2.1+ (Debian copyright, Files: *)",
                "/usr/share/lxqt/wallpapers/License; /usr/share/doc/lxqt-themes/copyright")


PD, CC0 = "public domain", "CC0-1.0"


def gcompris(activity, licence, commons):
    """Licence columns of a GCompris photo: the README beside it in the .rcc names author, licence and source."""
    readme = {"explore_monuments": "explore_monuments.rcc:/gcompris/src/activities/explore_monuments/resource/README",
              "explore_world_animals": "explore_world_animals.rcc:/gcompris/src/activities/explore_world_animals/"
                                       "resource/animals/README",
              "erase": "erase.rcc:/gcompris/src/activities/erase/resource/README"}[activity]
    return (f"{licence} (resource README; Wikimedia Commons {commons}); GPL-3+ (Debian copyright, Files: *)",
            f"{readme} under /usr/share/gcompris-qt/rcc/; /usr/share/doc/gcompris-qt-data/copyright")


SELECTION = [
    # TRAIN: 13 photos, 16 sources
    ("train", "plasma_eveningglow", "plasma-workspace-wallpapers", PLASMA.format("EveningGlow"), "halves",
     "rowing boats on a lake shore at sunset, hills", "Ian Hex", *PLASMA_LICENCE),
    ("train", "plasma_path", "plasma-workspace-wallpapers", PLASMA.format("Path"), "halves",
     "forest path between spruce trunks", "Risto Saukonpää", *PLASMA_LICENCE),
    ("train", "palapeli_castle", "palapeli-data", PALAPELI.format("castle-maintenon"), "halves",
     "Château de Maintenon (towers, facades, trees)", "Eric Pouhier",
     "GFDL (X-KDE-PluginInfo-License=FDL; Wikimedia Commons EPO_2432_wiki.jpg); GPL-2+ (Debian copyright, Files: *)",
     "castle-maintenon.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "plasma_bythewater", "plasma-workspace-wallpapers", PLASMA.format("BytheWater"), "full",
     "wooden jetty planks, lake and far shore", "Maciej Wiklo", *PLASMA_LICENCE),
    ("train", "plasma_colorfulcups", "plasma-workspace-wallpapers", PLASMA.format("ColorfulCups"), "full",
     "stacked plastic cups seen from above", "Dmitri Popov", *PLASMA_LICENCE),
    ("train", "plasma_onestandsout", "plasma-workspace-wallpapers", PLASMA.format("OneStandsOut"), "full",
     "moss shoots seen from above (Olympus E-M1 photo)", "Risto Saukonpää", *PLASMA_LICENCE),
    ("train", "mate_dune", "mate-backgrounds", MATE.format("Dune"), "full",
     "dune grass against the sea", "Marco Cogoni; Hylke Bons", *MATE_LICENCE),
    ("train", "mate_greenmeadow", "mate-backgrounds", MATE.format("GreenMeadow"), "full",
     "close-up of grass blades", "Timothy Schellhase; Lapo Calamandrei", *MATE_LICENCE),
    ("train", "mate_raindrops", "mate-backgrounds", MATE.format("RainDrops"), "full",
     "leaves with rain drops", "\"blackcombwhistler07\"", *MATE_LICENCE),
    ("train", "mate_yellowflower", "mate-backgrounds", MATE.format("YellowFlower"), "full",
     "yellow flower petals and centre", "Charles Barbin", *MATE_LICENCE),
    ("train", "palapeli_citrus", "palapeli-data", PALAPELI.format("citrus-fruits"), "full",
     "sliced citrus fruits on a light table", "US Department of Agriculture",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons Citrus_fruits.jpg); "
     "GPL-2+ (Debian copyright, Files: *)",
     "citrus-fruits.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "palapeli_chameleon", "palapeli-data", PALAPELI.format("panther-chameleon-female"), "full",
     "panther chameleon on branches, foliage", "B. Navez and others",
     "GFDL (X-KDE-PluginInfo-License=GNU-FDL; Wikimedia Commons FurciferPardalisFemale.JPG); "
     "GPL-2+ (Debian copyright, Files: *)",
     "panther-chameleon-female.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("train", "lomiri_kleiber", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
     "full", "nuthatch on a tree trunk (bark texture)", "Lukas Baubkus", "CC-BY-SA-3.0",
     "/usr/share/doc/lomiri-wallpapers-20.04/copyright (Files: 20.04/Kleiber_by_Lukas_Baubkus.jpg)"),
    # HELD-OUT: 7 photos, 8 sources
    ("heldout", "palapeli_bridge", "palapeli-data", PALAPELI.format("cincinnati-bridge"), "halves",
     "Roebling suspension bridge at night, city lights", "Derek Jensen",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons "
     "Cincinnati-roebling-suspension-bridge.jpg); GPL-2+ (Debian copyright, Files: *)",
     "cincinnati-bridge.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("heldout", "plasma_coldripple", "plasma-workspace-wallpapers", PLASMA.format("ColdRipple"), "full",
     "pier in fog, water", "Risto Saukonpää", *PLASMA_LICENCE),
    ("heldout", "plasma_fallenleaf", "plasma-workspace-wallpapers", PLASMA.format("FallenLeaf"), "full",
     "fallen maple leaves on the ground", "Martin Klapetek", *PLASMA_LICENCE),
    ("heldout", "mate_ladybird", "mate-backgrounds", MATE.format("LadyBird"), "full",
     "ladybird on a grass stem, forget-me-nots", "Charles Barbin", *MATE_LICENCE),
    ("heldout", "mate_blinds", "mate-backgrounds", MATE.format("Blinds"), "full",
     "close-up of a leaf's parallel veins", "Lennart Poettering; Andrea Cimitan", *MATE_LICENCE),
    ("heldout", "palapeli_bee", "palapeli-data", PALAPELI.format("european-honey-bee"), "full",
     "honey bee on an aster", "John Severns",
     "public domain (X-KDE-PluginInfo-License=Public Domain; Wikimedia Commons "
     "European_honey_bee_extracts_nectar.jpg); GPL-2+ (Debian copyright, Files: *)",
     "european-honey-bee.desktop in the same folder; /usr/share/doc/palapeli-data/copyright"),
    ("heldout", "mate_freshflower", "mate-backgrounds", MATE.format("FreshFlower"), "full",
     "orange flower petals", "Jens Ansorg", *MATE_LICENCE),
    # Added later (34 photos, 34 sources; train 23, held-out 11): the first 24 above are the synthetic sets' sources.
    # TRAIN
    ("train", "plasma_grey", "plasma-workspace-wallpapers", PLASMA.format("Grey"), "full",
     "wavy facade bands of a building, black and white", "Sigi Sagi", *PLASMA_LICENCE),
    ("train", "mate_garden", "mate-backgrounds", MATE.format("Garden"), "full",
     "red marigold flower and bud", "Charles Barbin", *MATE_LICENCE),
    ("train", "lxqt_flowers", "lxqt-themes", LXQT.format("flowers"), "full",
     "meadow of purple and blue wild flowers", "stefonarch", *LXQT_LICENCE),
    ("train", "gcompris_carcassonne", "gcompris-qt-data", GC_MONUMENT("france/citedeCarcassonne"), "full",
     "walls and towers of the Cité de Carcassonne", "Petitemontagnedujura",
     *gcompris("explore_monuments", PD, "Carcassonne_-_la_Cité.jpg")),
    ("train", "gcompris_palaisdespapes", "gcompris-qt-data", GC_MONUMENT("france/palaisdesPapes"), "full",
     "main entrance of the Palais des Papes, Avignon", "Tognopop",
     *gcompris("explore_monuments", CC0, "Main_entrance_of_the_Palais_des_Papes_-_20050823.jpg")),
    ("train", "gcompris_reims", "gcompris-qt-data", GC_MONUMENT("france/reimsCathedral"), "full",
     "chevet of Reims cathedral (buttresses, pinnacles)", "Mattana",
     *gcompris("explore_monuments", PD, "Reims_Cathedrale_Notre_Dame_002_chevet.JPG")),
    ("train", "gcompris_rocamadour", "gcompris-qt-data", GC_MONUMENT("france/rocamadour"), "full",
     "Rocamadour village on a wooded cliff", "François Darras",
     *gcompris("explore_monuments", PD, "Rocamadour_fda.jpg")),
    ("train", "gcompris_berlincathedral", "gcompris-qt-data", GC_MONUMENT("germany/berlinCathedral"), "full",
     "Berlin Cathedral (domes, columns, facade)", "Gary Todd",
     *gcompris("explore_monuments", CC0, "Berlin_Cathedral_(28668994926).jpg")),
    ("train", "gcompris_brandenburggate", "gcompris-qt-data", GC_MONUMENT("germany/brandenburgGate"), "full",
     "Brandenburg Gate lit at night", "Evans1551",
     *gcompris("explore_monuments", PD, "Brandenburg_Gate_(summer_2005).JPG")),
    ("train", "gcompris_worms", "gcompris-qt-data", GC_MONUMENT("germany/wormsCathedral"), "full",
     "Worms cathedral towers above houses", "Immanuel Giel",
     *gcompris("explore_monuments", PD, "Dommodell_Worms_04.jpg")),
    ("train", "gcompris_ajanta", "gcompris-qt-data", GC_MONUMENT("india/ajantaCave"), "full",
     "Ajanta caves in a green rock gorge", "Jonathanawhite",
     *gcompris("explore_monuments", PD, "Aurangabad_-_Ajanta_Caves_(32).JPG")),
    ("train", "gcompris_konark", "gcompris-qt-data", GC_MONUMENT("india/konarkSunTemple"), "full",
     "carved stone front of the Konark Sun Temple", "Tetraktys",
     *gcompris("explore_monuments", PD, "Konark_Sun_Temple_Front_view.jpg")),
    ("train", "gcompris_mysore", "gcompris-qt-data", GC_MONUMENT("india/mysorePalace"), "full",
     "Mysore Palace facade and forecourt", "Shiva sg",
     *gcompris("explore_monuments", PD, "Mysore_Palace_2006.jpg")),
    ("train", "gcompris_castleclinton", "gcompris-qt-data", GC_MONUMENT("usa/castleClinton"), "full",
     "aerial view of Castle Clinton and Battery Park, New York (1961, black and white)",
     "Jack E. Boucher, National Park Service",
     *gcompris("explore_monuments", PD, "Castle_Clinton_National_Monument_in_Battery_Park_-_New_York_City_-"
               "_Areal_view_-_1961.jpg")),
    ("train", "gcompris_navajo", "gcompris-qt-data", GC_MONUMENT("usa/navajo"), "full",
     "Betatakin cliff dwellings in a sandstone alcove", "Jon Sullivan",
     *gcompris("explore_monuments", PD, "Betatakin_Cliff_Dwellings.jpg")),
    ("train", "gcompris_greatwall", "gcompris-qt-data", GC_MONUMENT("wonders/greatWallofChina"), "full",
     "Great Wall of China over wooded hills", "Nicolas Perrault III",
     *gcompris("explore_monuments", CC0, "Great_Wall_of_China_July_2006.JPG")),
    ("train", "gcompris_colosseum", "gcompris-qt-data", GC_MONUMENT("wonders/colosseum"), "full",
     "Colosseum, Rome (arcades)", "Urse Ovidiu",
     *gcompris("explore_monuments", PD, "Colosseum_Roma_2009.jpg")),
    ("train", "gcompris_machupicchu", "gcompris-qt-data", GC_MONUMENT("wonders/machuPicchu"), "full",
     "Machu Picchu terraces and mountains", "Guillaume Pascal",
     *gcompris("explore_monuments", CC0, "Yet_another_pic_of_machu_picchu.jpg")),
    ("train", "gcompris_bison", "gcompris-qt-data", GC_ANIMAL("bison"), "full",
     "American bison grazing, herd behind", "Kurt Kaiser",
     *gcompris("explore_world_animals", CC0, "American_Bison_9.jpg")),
    ("train", "gcompris_hedgehog", "gcompris-qt-data", GC_ANIMAL("hedgehog"), "full",
     "hedgehog in grass", "George Chernilevsky",
     *gcompris("explore_world_animals", PD, "Erinaceus_roumanicus_2020_G2.jpg")),
    ("train", "gcompris_lemur", "gcompris-qt-data", GC_ANIMAL("lemur"), "full",
     "ring-tailed lemurs on a log", "Mathias Appel",
     *gcompris("explore_world_animals", CC0, "Lemur_(37122852696).jpg")),
    ("train", "gcompris_giraffes", "gcompris-qt-data", GC_ANIMAL("giraffe"), "full",
     "two giraffes among bare trees", "Mike and Lara Wolfe",
     *gcompris("explore_world_animals", CC0, "Giraffe_courtship_(25657342808).jpg")),
    ("train", "gcompris_crab", "gcompris-qt-data", GC_ERASE("crab"), "full",
     "Sally Lightfoot crab on grey rock", "Nosferattus",
     *gcompris("erase", CC0, "Sally_Lightfoot_Crab_2019.jpg (cropped, sharpened by GCompris)")),
    # HELD-OUT
    ("heldout", "mate_wood", "mate-backgrounds", MATE.format("Wood"), "full",
     "weathered wooden planks, shallow focus", "Jean-François Fortin Tam", *MATE_LICENCE),
    ("heldout", "gcompris_hawamahal", "gcompris-qt-data", GC_MONUMENT("india/hawaMahal"), "full",
     "Hawa Mahal facade (windows, balconies), Jaipur", "Janwiki",
     *gcompris("explore_monuments", PD, "Hawa_Mahal,_Jaipur,_India.jpg")),
    ("heldout", "gcompris_petra", "gcompris-qt-data", GC_MONUMENT("wonders/petra"), "full",
     "Al-Khazneh rock-cut facade, Petra", "Berthold Werner",
     *gcompris("explore_monuments", PD, "Petra_Jordan_BW_36.JPG")),
    ("heldout", "gcompris_pontdugard", "gcompris-qt-data", GC_MONUMENT("france/pontduGard"), "full",
     "Pont du Gard aqueduct arches over trees", "Mimova",
     *gcompris("explore_monuments", PD, "Pontdugard.jpg")),
    ("heldout", "gcompris_schwerin", "gcompris-qt-data", GC_MONUMENT("germany/schwerinPalace"), "full",
     "Schwerin Palace across the water, bare trees", "Hermann Luyken",
     *gcompris("explore_monuments", CC0, "2012.02.26.121724_Schloss_Schwerin.jpg")),
    ("heldout", "gcompris_canyondechelly", "gcompris-qt-data", GC_MONUMENT("usa/canyondeChelly"), "full",
     "Canyon de Chelly: river bed, fields and red cliffs", "Nikater",
     *gcompris("explore_monuments", PD, "Canyon_de_chelly09.jpg")),
    ("heldout", "gcompris_charminar", "gcompris-qt-data", GC_MONUMENT("india/charminar"), "full",
     "Charminar minarets and arch, Hyderabad", "Goutamkhandelwal",
     *gcompris("explore_monuments", PD, "Charminar_1.JPG")),
    ("heldout", "gcompris_moose", "gcompris-qt-data", GC_ANIMAL("moose"), "full",
     "bull moose lying in low shrubs", "Ryan Hagerty",
     *gcompris("explore_world_animals", PD, "Male_Moose.jpg")),
    ("heldout", "gcompris_jaguars", "gcompris-qt-data", GC_ANIMAL("jaguar"), "full",
     "two jaguars on rocks", "Frieda Bredesen",
     *gcompris("explore_world_animals", CC0, "Two_Jaguar_Sisters.jpg")),
    ("heldout", "gcompris_koala", "gcompris-qt-data", GC_ANIMAL("koala"), "full",
     "koala in a eucalyptus fork", "BurningWell",
     *gcompris("explore_world_animals", PD, "Koala_Perth_Zoo.jpg")),
    ("heldout", "gcompris_redpanda", "gcompris-qt-data", GC_ERASE("red_panda"), "full",
     "red panda on a branch, foliage", "Mathias Appel",
     *gcompris("erase", CC0, "Red_Panda_(30324056733).jpg (cropped, sharpened by GCompris)")),
]


# More GCompris photos, picked programmatically (gcompris_auto below): every raster image that a resource
# README of gcompris-qt-data marks "Public Domain" or "CC0-1.0", is big enough to store without
# upscaling (long side >= 512, short side >= 300), is not mostly flat background, is not a near-duplicate
# or the same Commons file as a photo already used, and is not on GC_DENYLIST. Split by a hash of the name.
GC_RCC_DIR = "usr/share/gcompris-qt/rcc"
GC_MIN_LONG, GC_MIN_SHORT = LONG_SIDE, 300
GC_MAX_ASPECT = 2.1  # long/short; wider would be stored thinner than 244 px (the hand-picked ones are >= 288)
# Share of 16x16 blocks (image scaled to long side 256, greyscale) with standard deviation < 4 grey levels;
# above this the image is mostly sky, studio backdrop or open water. The most uniform photo of the
# hand-picked set above is plasma_coldripple (0.46).
GC_MAX_FLAT = 0.5
GC_MAX_DHASH = 32  # of 256 bits: closer than this to an image already selected = near-duplicate
GC_HELDOUT_EVERY = 3  # names sorted by SHA-256 of the name: ranks 0, 3, 6, ... held-out, the rest train
# Not photographs although their README says public domain / CC0; "<bundle>:<glob on the path under resource/>".
# (Small ones, e.g. the categorization thumbnails and clickgame fish sprites, already fail the size rule.)
GC_DENYLIST = {
    "solar_system:*": "planet and Sun globes (NASA mosaics/renders) cut out on a flat background",
    "gravity:*": "planet globes cut out on a flat background",
    "details:*": "cut-outs and backgrounds made from Van Gogh paintings, not photographs",
}
# README typos: name written in the README -> file actually in the bundle (same Commons source).
GC_README_ALIASES = {"germany/audaPalatina.webp": "germany/aulaPalatina.webp"}
GC_NAME_PREFIX = {"explore_world_music": "gcompris_music_"}
# Short subject lines for SOURCES.md: "<bundle>:<path under resource/, no extension>".
GC_SUBJECTS = {
    "clickgame:sea1": "submerged Roman road, Baia underwater archaeological park",
    "clickgame:sea2": "submerged ruins and rocks of Portus Julius, Baia",
    "clickgame:sea3": "corals and reef fish seen through an aquarium porthole",
    "clickgame:sea4": "black coral under water, Milford Sound",
    "clickgame:sea6": "basket starfish on the sea floor",
    "erase:giraffe": "head and neck of a giraffe (cropped by GCompris)",
    "erase:pika": "American pika on a rock beside red leaves",
    "explore_farm_animals:animals/chicken": "brown hens on grass",
    "explore_farm_animals:animals/cow": "Holstein cow in a pasture, more cows behind",
    "explore_farm_animals:animals/dog": "German shepherd standing in dry grass",
    "explore_farm_animals:animals/duck": "white Aylesbury duck at the water's edge",
    "explore_farm_animals:animals/horse": "band of Nokota horses on a grassy hill",
    "explore_farm_animals:animals/owl": "owl on a bare branch",
    "explore_farm_animals:animals/pig": "spotted pig on a lawn",
    "explore_farm_animals:animals/sheep": "sheep in a meadow",
    "explore_monuments:india/gatewayofIndia": "Gateway of India, Mumbai, lit at dusk",
    "explore_monuments:india/goldenTemple": "Golden Temple, Amritsar, across its pool",
    "explore_monuments:india/greatStupa": "Great Stupa and gateway, Sanchi",
    "explore_monuments:india/qutubMinar": "Qutub Minar framed by a ruined arch, Delhi",
    "explore_monuments:india/rangGhar": "Rang Ghar pavilion, Sivasagar",
    "explore_monuments:france/arlesAmphitheater": "Roman amphitheatre of Arles (arcades, tower)",
    "explore_monuments:france/chateaudeChambord": "Château de Chambord facade over a lawn",
    "explore_monuments:france/chateaudeChenonceau": "Château de Chenonceau arches over the Cher",
    "explore_monuments:france/montStMichel": "Mont-Saint-Michel across salt meadows",
    "explore_monuments:germany/aulaPalatina": "Aula Palatina (Constantine's basilica), Trier",
    "explore_monuments:germany/neuschwansteinCastle": "Neuschwanstein Castle above forest, lake behind",
    "explore_monuments:germany/trierImperialBaths": "ruins of the Imperial Baths, Trier",
    "explore_monuments:usa/castillodeSanMarcos": "aerial view of Castillo de San Marcos, St. Augustine",
    "explore_monuments:usa/fortSumter": "inside Fort Sumter (casemates, ruins, lawn)",
    "explore_monuments:usa/georgeWashingtonBirthplace": "brick Memorial House and a bare tree, Washington's Birthplace",
    "explore_monuments:usa/lincolnMemorial": "Lincoln Memorial colonnade lit at night",
    "explore_monuments:usa/mountRushmore": "Mount Rushmore carvings above pines",
    "explore_monuments:egypt/bentPyramid": "Bent Pyramid of Dahshur in the desert",
    "explore_monuments:egypt/greatPyramidOfGiza": "Great Pyramid of Khufu, Giza (stone courses)",
    "explore_monuments:egypt/meidumPyramid": "Meidum pyramid on its debris mound",
    "explore_world_animals:animals/chameleon": "garden lizard on a twig, green leaves",
    "explore_world_animals:animals/crocodile": "saltwater crocodile on a muddy river bank",
    "explore_world_animals:animals/dragon": "Komodo dragon on sand",
    "explore_world_animals:animals/kangaroo": "eastern grey kangaroo and joey",
    "explore_world_animals:animals/narwhal": "pod of narwhals at the sea surface",
    "explore_world_animals:animals/panda": "giant panda sitting on a rock",
    "explore_world_animals:animals/polar_bear": "polar bear walking on snow among shrubs",
    "explore_world_animals:animals/scarlet_macaw": "scarlet macaw on a perch",
    "explore_world_music:music/africa": "three bata drums on grass",
    "explore_world_music:music/italy": "costumed singers on a stage",
    "explore_world_music:music/japan": "taiko drums in a square at a night festival",
    "explore_world_music:music/mexico": "mariachi band playing (guitars, trumpets)",
    "explore_world_music:music/orchestra": "orchestra on a concert stage",
}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def extract(debs, workdir):
    """Unpacks each package of PACKAGES (exact version) into workdir/<package>; returns the .deb hashes."""
    hashes = {}
    for package, version in PACKAGES.items():
        candidates = glob.glob(os.path.join(debs, f"{package}_*.deb"))
        if len(candidates) != 1:
            sys.exit(f"need exactly one {package}_*.deb in {debs}, found {candidates}")
        deb = candidates[0]
        found = subprocess.run(["dpkg-deb", "-f", deb, "Version"], check=True, capture_output=True, text=True).stdout.strip()
        if found != version:
            sys.exit(f"{deb}: version {found}, the selection was made from {version}")
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(workdir, package)], check=True)
        hashes[package] = (os.path.basename(deb), sha256(deb))
    return hashes


def rcc_files(path):
    """{resource path: bytes} of a Qt resource bundle (.rcc, format versions 1-3; zlib or no compression).

    Layout: "qres", then big-endian u32 version, tree offset, data offset, names offset (version 3 adds a
    flags word). A tree node is name offset (u32), flags (u16; 1 = zlib, 2 = directory, 4 = zstd), then
    for a directory child count and first child index (u32 each), for a file country and language (u16
    each) and data offset (u32); from version 2 on a node ends with an 8-byte modification time. A name
    is u16 length, u32 hash, UTF-16BE characters. File data is u32 size and the bytes, zlib data being
    prefixed with its u32 uncompressed size (qCompress).
    """
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"qres":
        raise ValueError(f"{path}: not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node_size = 22 if version >= 2 else 14

    def name_at(offset):
        (length,) = struct.unpack(">H", blob[names + offset:names + offset + 2])
        return blob[names + offset + 6:names + offset + 6 + 2 * length].decode("utf-16-be")

    files = {}
    pending = [(0, "")]
    while pending:
        index, parent = pending.pop()
        at = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", blob[at:at + 6])
        path_here = parent + "/" + name_at(name_offset) if index else ""
        if flags & 2:
            count, first = struct.unpack(">II", blob[at + 6:at + 14])
            pending.extend((first + k, path_here) for k in range(count))
            continue
        (offset,) = struct.unpack(">I", blob[at + 10:at + 14])
        (size,) = struct.unpack(">I", blob[data + offset:data + offset + 4])
        content = blob[data + offset + 4:data + offset + 4 + size]
        if flags & 4:
            raise ValueError(f"{path}:{path_here} is zstd-compressed; not supported")
        if flags & 1:
            content = zlib.decompress(content[4:])
        files[path_here] = content
    return files


def original_bytes(workdir, package, path):
    """Bytes of a selected file: a plain file of the package, or "<.rcc path>!<resource path>"."""
    if "!" in path:
        bundle, member = path.split("!", 1)
        return rcc_files(os.path.join(workdir, package, bundle))[member]
    with open(os.path.join(workdir, package, path), "rb") as f:
        return f.read()


def gc_readme_entries(text):
    """Entries of a GCompris resource README: blocks separated by blank lines, "Key: value" fields
    (Copyright, License, Source, Comment(s), Files), values continued on the following lines; a bare line
    that looks like a file name belongs to Files."""
    entries = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields, key = {}, None
        for line in block.split("\n"):
            stripped = line.strip()
            if not stripped:
                continue
            head, sep, value = stripped.partition(":")
            if sep and head.lower() in ("copyright", "license", "source", "comment", "comments", "files"):
                key = head.lower().rstrip("s") if head.lower() in ("comments", "files") else head.lower()
                fields.setdefault(key, [])
                if value.strip():
                    fields[key].append(value.strip())
            elif " " not in stripped and "." in stripped and not stripped.startswith("http"):
                fields.setdefault("file", []).append(stripped)
            elif key:
                fields[key].append(stripped)
        if fields.get("file"):
            entries.append(fields)
    return entries


def gc_licence(value):
    """PD or CC0 for a README licence that is exactly one of those, else None."""
    normal = " ".join(value.split()).lower()
    return {"public domain": PD, "cc0-1.0": CC0, "cc0 1.0": CC0, "cc0": CC0}.get(normal)


def gc_flat_share(image):
    """Share of 16x16 blocks with grey-level standard deviation < 4, image scaled to long side 256."""
    w, h = image.size
    scale = 256 / max(w, h)
    grey = image.convert("L").resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)
    blocks = [ImageStat.Stat(grey.crop((x, y, x + 16, y + 16))).stddev[0]
              for y in range(0, grey.size[1] - 15, 16) for x in range(0, grey.size[0] - 15, 16)]
    return sum(b < 4 for b in blocks) / len(blocks)


def gc_dhash(image):
    """256-bit difference hash: greyscale 17x16, sign of each horizontal step."""
    px = list(image.convert("L").resize((17, 16), Image.Resampling.LANCZOS).getdata())
    return [px[r * 17 + c + 1] > px[r * 17 + c] for r in range(16) for c in range(16)]


def gcompris_auto(workdir, selection):
    """SELECTION rows for the GCompris photos picked by rule (see GC_* above), and a log of what was left out."""
    package = "gcompris-qt-data"
    chosen = {path for _, _, pkg, path, *_ in selection if pkg == package}
    names = {name for _, name, *_ in selection}
    hashes, sources = [], set()
    for _, _, pkg, path, *_ in selection:
        image = Image.open(io.BytesIO(original_bytes(workdir, pkg, path))).convert("RGB")
        hashes.append((path, gc_dhash(image)))
    rows, skipped, readme_licence = [], [], {}
    for bundle_path in sorted(glob.glob(os.path.join(workdir, package, GC_RCC_DIR, "*.rcc"))):
        bundle = os.path.basename(bundle_path)[:-len(".rcc")]
        files = rcc_files(bundle_path)
        for readme in sorted(p for p in files if os.path.basename(p) == "README"):
            folder = os.path.dirname(readme)
            for entry in gc_readme_entries(files[readme].decode("utf-8")):
                licence = gc_licence(" ".join(entry.get("license", [])))
                for file in entry["file"]:
                    member = folder + "/" + file
                    head, _, relative = member.partition("/resource/")
                    relative = GC_README_ALIASES.get(relative, relative)
                    member = head + "/resource/" + relative
                    path = f"{GC_RCC_DIR}/{bundle}.rcc!{member}"
                    if not file.endswith((".webp", ".jpg", ".jpeg", ".png")):
                        continue
                    readme_licence[path] = licence
                    source = " ".join(entry.get("source", []))
                    if not source:
                        source = next((c.split(" at ", 1)[1] for c in entry.get("comment", []) if " at http" in c), "")
                    if path in chosen:
                        sources.add(source)
                        continue
                    if licence is None:
                        continue
                    why = None
                    deny = next((r for g, r in GC_DENYLIST.items()
                                 if fnmatch.fnmatch(f"{bundle}:{relative}", g)), None)
                    if member not in files:
                        why = "named in the README but not in the bundle"
                    elif deny:
                        why = "denylist: " + deny
                    if why:
                        skipped.append((path, why))
                        continue
                    image = ImageOps.exif_transpose(Image.open(io.BytesIO(files[member]))).convert("RGB")
                    w, h = image.size
                    flat = gc_flat_share(image)
                    dhash = gc_dhash(image)
                    near = min(((sum(a != b for a, b in zip(dhash, d)), p) for p, d in hashes), default=(999, None))
                    if max(w, h) < GC_MIN_LONG or min(w, h) < GC_MIN_SHORT:
                        why = f"too small ({w}×{h})"
                    elif max(w, h) / min(w, h) > GC_MAX_ASPECT:
                        why = f"too elongated ({w}×{h}; stored short side would be {round(512 * min(w, h) / max(w, h))} px)"
                    elif flat > GC_MAX_FLAT:
                        why = f"mostly flat background (flat share {flat:.2f})"
                    elif source and source in sources:
                        why = "same Commons file as a photo already selected"
                    elif near[0] < GC_MAX_DHASH:
                        why = f"near-duplicate of {near[1]} (dHash distance {near[0]})"
                    if why:
                        skipped.append((path, why))
                        continue
                    stem = os.path.splitext(os.path.basename(relative))[0]
                    name = GC_NAME_PREFIX.get(bundle, "gcompris_") + "".join(c for c in stem.lower() if c.isalnum())
                    assert name not in names, name
                    subject_key = f"{bundle}:{os.path.splitext(relative)[0]}"
                    what = GC_SUBJECTS.get(subject_key, subject_key)
                    if source.startswith("https://commons.wikimedia.org/wiki/File:"):
                        where = "Wikimedia Commons " + urllib.parse.unquote(source.split("File:", 1)[1])
                    else:
                        where = source or "no source given"
                    comment = " ".join(entry.get("comment", []))
                    if comment and not comment.startswith(("based on", "original source")):
                        where += f" ({comment} by GCompris)"
                    author = " ".join(entry.get("copyright", []))
                    readme_at = f"{bundle}.rcc:{readme}"
                    rows.append((None, name, package, path, "full", what, author,
                                 f"{licence} (resource README; {where}); GPL-3+ (Debian copyright, Files: *)",
                                 f"{readme_at} under /{GC_RCC_DIR}/; /usr/share/doc/gcompris-qt-data/copyright"))
                    names.add(name)
                    sources.add(source)
                    hashes.append((path, dhash))
    ranked = sorted(rows, key=lambda row: hashlib.sha256(row[1].encode()).hexdigest())
    split_of = {row[1]: "heldout" if rank % GC_HELDOUT_EVERY == 0 else "train" for rank, row in enumerate(ranked)}
    rows = [(split_of[row[1]],) + row[1:] for row in rows]
    for _, name, pkg, path, _, _, _, licence, _ in selection:
        if pkg == package:
            assert readme_licence.get(path) and licence.startswith(readme_licence[path]), (name, readme_licence.get(path))
    return rows, skipped


def downsized(image):
    w, h = image.size
    scale = LONG_SIDE / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def check_selection(selection):
    for split, name, package, *_ in selection:
        assert package in PACKAGES and not any(bad in package for bad in FORBIDDEN_PACKAGES), package
    originals = {name: path for _, name, _, path, *_ in selection}
    assert len(originals) == len(selection), "a name is used twice"
    assert len(set(originals.values())) == len(originals), "a photo is selected twice"
    by_split = {}
    for split, name, _, path, *_ in selection:
        by_split.setdefault(path, set()).add(split)
    assert all(len(s) == 1 for s in by_split.values()), "a photo is in both splits"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debs", required=True, help="folder holding the .deb files of PACKAGES (apt-get download)")
    args = parser.parse_args()
    check_selection(SELECTION)

    workdir = tempfile.mkdtemp(prefix="mirror-photos-")
    try:
        deb_hashes = extract(args.debs, workdir)
        auto, skipped = gcompris_auto(workdir, SELECTION)
        selection = SELECTION + auto
        check_selection(selection)
        for split in ("train", "heldout"):
            shutil.rmtree(os.path.join(OUT, split), ignore_errors=True)
            os.makedirs(os.path.join(OUT, split))
        rows = []
        for split, name, package, path, cut, what, author, licence, stated in selection:
            original = original_bytes(workdir, package, path)
            image = ImageOps.exif_transpose(Image.open(io.BytesIO(original))).convert("RGB")
            w, h = image.size
            parts = [(name, (0, 0, w, h))] if cut == "full" else \
                [(name + "_l", (0, 0, w // 2, h)), (name + "_r", (w // 2, 0, w, h))]
            for source, box in parts:
                out = os.path.join(OUT, split, source + ".jpg")
                downsized(image.crop(box)).save(out, quality=QUALITY)
                with Image.open(out) as check:
                    size = check.size
                region = "whole" if cut == "full" else f"columns [{box[0]}, {box[2]})"
                rows.append((split, source, size, os.path.getsize(out), package, PACKAGES[package], "/" + path,
                             f"{w}×{h}", hashlib.sha256(original).hexdigest()[:16], region, what, author, licence, stated))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_sources(rows, deb_hashes, {row[1] for row in auto}, skipped)
    for path, why in skipped:
        print(f"left out /{path}: {why}")
    total = sum(r[3] for r in rows)
    for split in ("train", "heldout"):
        print(f"{split}: {sum(r[0] == split for r in rows)} sources from "
              f"{len({r[6] for r in rows if r[0] == split})} photos")
    print(f"{len(rows)} sources, {total} bytes")


def write_sources(rows, deb_hashes, auto_names, skipped):
    lines = [
        "# Training photos: sources and licences",
        "",
        "Written by `Fixtures/scripts/make_training_photos.py` (do not edit by hand; change `SELECTION` or the",
        "`GC_*` rules in the script). Every photo is a real photograph from a Debian 12 (bookworm) package; its licence allows",
        "redistribution and modification. Stored copies: long side 512 px (Pillow LANCZOS), RGB, JPEG quality 90,",
        "no metadata. A source cut into halves: `_l` = columns `[0, W//2)`, `_r` = `[W//2, W)` of the original,",
        "so the halves are disjoint; both halves of a photo are in the same split. An original named",
        "`<bundle>.rcc!<resource path>` is a file inside a Qt resource bundle of the package (GCompris ships",
        "its images that way); its size and SHA-256 are those of the file itself.",
        "",
        "`train/` feeds the training fixtures; `heldout/` is never used for training or tuning. Neither uses",
        "the images reserved for independent evaluation (Debian `opencv-doc`, scikit-image's bundled images,",
        "`lomiri-wallpapers-16.04`, `xplanet-images`).",
        "",
        "## Packages",
        "",
        "| package | version | .deb | SHA-256 of the .deb |",
        "|---|---|---|---|",
    ]
    for package, version in PACKAGES.items():
        deb, digest = deb_hashes[package]
        lines.append(f"| `{package}` | {version} | `{deb}` | `{digest}` |")
    lines += [
        "",
        "## Sources",
        "",
        "| split | file | W×H | bytes | package | original file (size; SHA-256 prefix) | part | subject | author | licence | licence stated in |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for split, source, size, nbytes, package, version, path, osize, digest, region, what, author, licence, stated in rows:
        lines.append(f"| {split} | `{split}/{source}.jpg` | {size[0]}×{size[1]} | {nbytes} | `{package}` {version} | "
                     f"`{path}` ({osize}; `{digest}`) | {region} | {what} | {author} | {licence} | {stated} |")
    total = sum(r[3] for r in rows)
    auto = [r for r in rows if r[1] in auto_names]
    assert rows[len(rows) - len(auto):] == auto
    lines += [
        "",
        f"The first {len(rows) - len(auto)} rows are hand-picked (`SELECTION`). The last {len(auto)} "
        f"({sum(r[0] == 'train' for r in auto)} train, {sum(r[0] == 'heldout' for r in auto)} held-out, "
        f"{sum(r[3] for r in auto)} bytes) are picked by rule from `gcompris-qt-data` (`gcompris_auto`): every",
        "raster image that a resource README marks `Public Domain` or `CC0-1.0`, with long side >= 512 and short",
        f"side >= {GC_MIN_SHORT} px (stored without upscaling), aspect ratio <= {GC_MAX_ASPECT}, at most {GC_MAX_FLAT:.0%} flat 16×16 blocks (grey std < 4 at long",
        f"side 256), not the same Commons file as, and at least {GC_MAX_DHASH} of 256 difference-hash bits away from, a photo",
        "already selected, and not on `GC_DENYLIST`. Split: names sorted by SHA-256 of the name, every",
        f"{GC_HELDOUT_EVERY}rd name (ranks 0, {GC_HELDOUT_EVERY}, {2 * GC_HELDOUT_EVERY}, ...) held-out, the rest train.",
        "",
        "Public-domain / CC0 GCompris images left out by those rules:",
        "",
    ]
    grouped = {}
    for path, why in skipped:  # too small / denylisted: one line per bundle; the rest one line per image
        bundle = path.split("!")[0].rsplit("/", 1)[1]
        kind = "too small" if why.startswith("too small") else why if why.startswith("denylist") else None
        if kind:
            grouped.setdefault((bundle, kind), []).append(path)
        else:
            lines.append(f"- `/{path}`: {why}")
    lines += [f"- `{bundle}`, {len(paths)} image{'s' * (len(paths) > 1)}: {kind}" for (bundle, kind), paths in grouped.items()]
    lines += [
        "",
        f"{len(rows)} sources ({sum(r[0] == 'train' for r in rows)} train, {sum(r[0] == 'heldout' for r in rows)} held-out), "
        f"{total} bytes.",
        "",
        "Notes on licences:",
        "- The Plasma wallpapers' own `metadata.json` says LGPLv3 (author as listed); Debian's copyright file",
        "  covers the whole package with GPL-2+ (KDE Visual Design Group). Both allow redistribution and",
        "  modification; LGPL/GPL conditions are met by shipping these files unchanged in licence with their",
        "  attribution (a JPEG is its own preferred form for modification).",
        "- Palapeli's puzzle photos are Wikimedia Commons images; each `.desktop` file beside the JPEG names",
        "  the author, the Commons page and the licence (public domain, or GNU FDL); Debian's copyright covers",
        "  the package with GPL-2+.",
        "- CC-BY-SA-3.0 (Lukas Baubkus): attribution as above; derived views stay under CC-BY-SA-3.0.",
        "- LXQt wallpapers: the `License` file beside them says CC-BY-SA-3.0 for the folder and credits",
        "  stefonarch for flowers (the one used here) and others; Debian's copyright covers the",
        "  package with LGPL-2.1+. Attribution as above; derived views stay under CC-BY-SA-3.0.",
        "- GCompris (`gcompris-qt-data`): every resource folder holds a `README` (inside the same `.rcc`) that",
        "  names, per image, the author, the licence and the Wikimedia Commons page; only images marked",
        "  `Public Domain` or `CC0-1.0` there are used. Debian's copyright covers the package with GPL-3+",
        "  (Files: *); its per-file list predates these images. The `erase` activity's images were cropped",
        "  and sharpened by GCompris (its README says so). Two README slips: `germany/audaPalatina.webp` is",
        "  the bundle's `germany/aulaPalatina.webp` (same entry, Commons Trier_Konstantinbasilika_BW_1.JPG);",
        "  the `pika` entry's source is a Flickr page of the US National Park Service rather than Commons.",
        "- Derived fixtures (the synthetic views under `Fixtures/train/`) carry the licence of their source photo.",
        "",
        "## Commands",
        "",
        "```bash",
        "apt-get update",
        "mkdir -p /tmp/debs && cd /tmp/debs && apt-get download mate-backgrounds=1.26.0-1 \\",
        "    plasma-workspace-wallpapers=4:5.27.5-2 lomiri-wallpapers-20.04=20.04.0-2 palapeli-data=4:22.12.3-1 \\",
        "    lxqt-themes=1.2.0-1 gcompris-qt-data=3.1-2",
        "cd -   # repository root",
        "/work/venv/bin/python Fixtures/scripts/make_training_photos.py --debs /tmp/debs",
        "```",
        "",
        "The script unpacks the packages with `dpkg-deb -x` into a temporary folder, checks their versions, and",
        "rewrites `train/`, `heldout/` and this file. Pillow 13.0.0 (libjpeg-turbo) gives identical bytes on",
        "every run.",
        "",
    ]
    with open(os.path.join(OUT, "SOURCES.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
