"""Standard atomic weights (g/mol) of the elements found in engineering alloys.

Conventional values from the IUPAC/CIAAW abridged table of standard atomic weights
(Prohaska et al., Pure Appl. Chem. 94 (2022) 573, "Standard atomic weights of the elements
2021"); for elements given as an interval there the conventional value is used.
"""

from __future__ import annotations

STANDARD_ATOMIC_WEIGHT: dict[str, float] = {
    "H": 1.008, "Li": 6.94, "Be": 9.0121831, "B": 10.81, "C": 12.011, "N": 14.007,
    "O": 15.999, "F": 18.998403162, "Na": 22.98976928, "Mg": 24.305, "Al": 26.9815384,
    "Si": 28.085, "P": 30.973761998, "S": 32.06, "Cl": 35.45, "K": 39.0983, "Ca": 40.078,
    "Sc": 44.955907, "Ti": 47.867, "V": 50.9415, "Cr": 51.9961, "Mn": 54.938043,
    "Fe": 55.845, "Co": 58.933194, "Ni": 58.6934, "Cu": 63.546, "Zn": 65.38, "Ga": 69.723,
    "Ge": 72.630, "As": 74.921595, "Se": 78.971, "Y": 88.905838, "Zr": 91.224,
    "Nb": 92.90637, "Mo": 95.95, "Ru": 101.07, "Rh": 102.90549, "Pd": 106.42,
    "Ag": 107.8682, "Cd": 112.414, "In": 114.818, "Sn": 118.710, "Sb": 121.760,
    "Te": 127.60, "La": 138.90547, "Ce": 140.116, "Nd": 144.242, "Hf": 178.486,
    "Ta": 180.94788, "W": 183.84, "Re": 186.207, "Os": 190.23, "Ir": 192.217,
    "Pt": 195.084, "Au": 196.966570, "Pb": 207.2, "Bi": 208.98040,
}
