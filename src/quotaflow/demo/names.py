"""Word lists for the demo company: people, places, products and customer accounts.

Invented for Quotaflow; any likeness to a real person or company is a coincidence.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Aino", "Amara", "Anders", "Anouk", "Arjun", "Astrid", "Bea", "Bruno", "Camille", "Carlos",
    "Chiara", "Dario", "Dora", "Elif", "Elena", "Emil", "Eva", "Fatima", "Femke", "Finn",
    "Gabriel", "Greta", "Hana", "Hugo", "Ida", "Ines", "Isak", "Jana", "Joris", "Julia",
    "Kai", "Karin", "Lars", "Lea", "Leon", "Lina", "Luca", "Maja", "Marek", "Marta",
    "Mateo", "Mila", "Nadia", "Nico", "Nora", "Oskar", "Paula", "Pedro", "Rafael", "Rosa",
    "Sami", "Sara", "Sofia", "Stefan", "Tara", "Teo", "Tomas", "Vera", "Yusuf", "Zoe",
)

LAST_NAMES = (
    "Albers", "Andersen", "Bauer", "Berg", "Bianchi", "Costa", "Dahl", "Dubois", "Eriksson", "Fabre",
    "Ferreira", "Fischer", "Garcia", "Gruber", "Hansen", "Hoffmann", "Jansen", "Keller", "Kowalski", "Lambert",
    "Larsen", "Lindqvist", "Lopez", "Marino", "Martin", "Meyer", "Moreau", "Nielsen", "Novak", "O'Brien",
    "Peeters", "Petrov", "Quinn", "Ricci", "Romero", "Rossi", "Santos", "Schmidt", "Silva", "Sorensen",
    "Horvat", "Vidal", "Virtanen", "Vos", "Wagner", "Walsh", "Weber", "Wilson", "Zimmermann", "Zeller",
)

# Region name → cities its teams are named after.
REGIONS = (
    ("Northern Europe", "NE", ("Stockholm", "Oslo", "Copenhagen", "Helsinki", "Tallinn", "Gothenburg")),
    ("Central Europe", "CE", ("Berlin", "Munich", "Vienna", "Zurich", "Amsterdam", "Brussels")),
    ("Southern Europe", "SE", ("Madrid", "Milan", "Lisbon", "Barcelona", "Rome", "Athens")),
    ("UK & Ireland", "UK", ("London", "Dublin", "Manchester", "Edinburgh", "Bristol", "Leeds")),
)

SEGMENTS = ("Enterprise", "Mid-Market", "Growth", "Public Sector")

# Product group → products, each with a median deal size in whole currency units.
PRODUCT_GROUPS = (
    ("Software", (("Insight Cloud", 3_500), ("Insight Edge", 2_200), ("Forecast Studio", 2_800))),
    ("Services", (("Implementation", 1_800), ("Training", 700))),
    ("Hardware", (("Edge Appliance", 2_100), ("Sensor Kit", 800))),
    ("Support", (("Premium Support", 1_000), ("Standard Support", 450))),
)
PRODUCT_GROUP_SHARES = (0.45, 0.2, 0.15, 0.2)

DEAL_TYPES = ("new_business", "expansion", "renewal")
DEAL_TYPE_SHARES = (0.35, 0.35, 0.3)

ACTIVITY_TYPES = ("call", "meeting", "demo")

ACCOUNT_FIRST_WORDS = (
    "Amber", "Atlas", "Aurora", "Beacon", "Birch", "Blue", "Bright", "Cedar", "Cobalt", "Coral",
    "Crest", "Delta", "Ember", "Falcon", "Fjord", "Granite", "Harbor", "Helix", "Iron", "Juniper",
    "Kestrel", "Lumen", "Maple", "Meridian", "Nova", "Oak", "Orbit", "Pine", "Polar", "Quartz",
    "Raven", "River", "Sable", "Silver", "Solar", "Stone", "Summit", "Tidal", "Vertex", "Willow",
)
ACCOUNT_SECOND_WORDS = (
    "Analytics", "Bakeries", "Biotech", "Builders", "Capital", "Chemicals", "Clinics", "Logistics",
    "Energy", "Foods", "Freight", "Health", "Hotels", "Insurance", "Labs", "Media", "Metals",
    "Mobility", "Motors", "Networks", "Pharma", "Ports", "Retail", "Robotics", "Shipping",
    "Software", "Systems", "Telecom", "Textiles", "Utilities",
)
ACCOUNT_SUFFIXES = ("AB", "AG", "BV", "GmbH", "Ltd", "Oy", "SA", "SpA")
