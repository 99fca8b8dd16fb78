"""Invented names, titles, industries and places that the sample records are built from."""
from .core import edit_distance

_FIRST_NAMES_RAW = (
    "ana bo cyrus dee eli fay gus hana ivo june kira leon mira nadia otto pia quinn rosa sven tara umar vera "
    "wade xena yara zane abel bruna carmen dario esme felix greta hugo inez jonas kai lorna mateo nell oskar "
    "petra ravi selma theo ulla viktor wren yusuf zoe amara benedikt celine desmond elif flora gideon harriet "
    "ingrid jasper kalani lucius marisol nikolai odette priya rowan sasha tobias ursula valentin winona "
    "ximena yolanda zeke aurelio beatrix cosimo dagny emrys fenella gwendolyn horatio isolde jericho kestrel "
    "leopold maelle nerissa ophelia percival rhiannon saoirse thaddeus undine vashti wilhelmina yvaine zebulon"
).split()


def _spread(names, min_distance):
    """Keep names that are at least min_distance edits from every name kept before them."""
    kept = []
    for name in names:
        if all(edit_distance(name, other) >= min_distance for other in kept):
            kept.append(name)
    return tuple(kept)


# Names inside one company are distinct entries of this list, at least 3 edits apart, so two clean
# contacts of one company never have e-mail local parts one typo apart.
FIRST_NAMES = _spread(_FIRST_NAMES_RAW, 3)

LAST_NAMES = tuple(
    (
        "moreau test demo sample trial probe mock case lindqvist okafor brandt castellanos dubois eriksen "
        "fairbanks gallagher haddad ishikawa jansen kowalski lachance mbeki nakamura oyelaran petrov quintero "
        "rasmussen santoro takahashi ueda vasquez whitlock xu yamamoto zielinski abernathy bellweather "
        "carrow delacroix everhart fontaine grimaldi holloway ingleby jorgensen kettleby langford merriweather "
        "northcott ollivander pemberton quigley rutherford stanhope thistlewood underhill vantongeren "
        "wexford yardley zoller ashdown blackwood coldwell dunmore elsworth frostwick greystone hartwell"
    ).split()
)

COMPANY_HEADS = tuple(
    (
        "Acorn Basalt Cedar Delta Ember Falcon Granite Harbor Indigo Juniper Kestrel Lumen Meridian Nimbus "
        "Onyx Pinnacle Quarry Redwood Sable Tundra Umber Vesper Willow Xylem Yarrow Zephyr Alder Beacon "
        "Cobalt Drift Echo Fjord Glacier Heron Iris Jasper Keystone Lattice Mosaic Nova Orchid Prairie "
        "Quartz Ridge Summit Timber Upland Vale Wharf Yonder Zenith Aspen Birch Crest Dune Elm Fern"
    ).split()
)
COMPANY_MIDS = tuple(
    (
        "Point Line Field Works Stone Bridge Gate Peak Bay Brook Mill Forge Grove Haven Wood Crest Rock "
        "Port Cove Ford Hill Dale Lake Vale Shore Spring Moor Glen Marsh Hollow"
    ).split()
)
COMPANY_TAILS = tuple(
    (
        "Systems Labs Analytics Industries Partners Logistics Robotics Dynamics Networks Foods Health Energy "
        "Components Tooling Materials Software Fabrication Supply Devices Instruments"
    ).split()
)

COMPANY_QUALIFIERS = ("", "Pacific", "Atlantic", "Northern", "Central", "Western", "Eastern", "Coastal", "Alpine", "Midland")

INDUSTRIES_FIT_SOFTWARE = ("Computer Software", "Information Technology and Services", "Financial Services", "Marketing and Advertising")
INDUSTRIES_FIT_MANUFACTURING = ("Industrial Machinery", "Automotive", "Electrical Equipment", "Plastics", "Chemicals")
INDUSTRIES_FIT_SERVICES = ("Hospital & Health Care", "Insurance", "Banking", "Utilities")
INDUSTRIES_OTHER = ("Retail", "Hospitality", "Education Management", "Non-profit Organization Management", "Restaurants", "Sports")

TITLES_FIT = (
    "VP Marketing", "Director of Marketing Operations", "Head of Demand Generation", "Marketing Operations Manager",
    "Revenue Operations Director", "VP Sales", "Head of Growth", "Director of Operations", "Chief Revenue Officer",
    "Plant Operations Director", "VP Engineering", "Procurement Director",
)
TITLES_UNFIT = ("Student", "Intern", "Office Assistant", "Receptionist", "Freelance Writer", "Retired", "Teacher")

# (country, state/region, city, zip prefix). States drive the harbor-manufacturing territories.
PLACES = (
    ("United States", "WA", "Seattle", "981"), ("United States", "OR", "Portland", "972"),
    ("United States", "CA", "San Jose", "951"), ("United States", "TX", "Austin", "787"),
    ("United States", "CO", "Denver", "802"), ("United States", "IL", "Chicago", "606"),
    ("United States", "OH", "Columbus", "432"), ("United States", "MI", "Detroit", "482"),
    ("United States", "NY", "Rochester", "146"), ("United States", "MA", "Worcester", "016"),
    ("United States", "GA", "Atlanta", "303"), ("United States", "NC", "Charlotte", "282"),
    ("Canada", "ON", "Toronto", "M5V"), ("Canada", "QC", "Montreal", "H2X"),
    ("Germany", "BY", "Munich", "803"), ("United Kingdom", "ENG", "Leeds", "LS1"),
)

HDYHAU_ANSWERS = (
    "Search engine (Google, Bing)", "LinkedIn", "Facebook", "Email or newsletter", "Colleague or friend",
    "Partner", "Event or trade show", "Webinar", "Other",
)

# Self-reported answers that agree with each HubSpot original source. Any other answer disagrees.
HDYHAU_AGREES = {
    "PAID_SEARCH": ("Search engine (Google, Bing)",),
    "ORGANIC_SEARCH": ("Search engine (Google, Bing)",),
    "PAID_SOCIAL": ("LinkedIn", "Facebook"),
    "SOCIAL_MEDIA": ("LinkedIn", "Facebook"),
    "EMAIL_MARKETING": ("Email or newsletter", "Webinar"),
    "REFERRALS": ("Colleague or friend", "Partner"),
    "DIRECT_TRAFFIC": ("Colleague or friend", "Event or trade show", "Other"),
    "OTHER_CAMPAIGNS": ("Webinar", "Event or trade show", "Other"),
    "OFFLINE": ("Event or trade show", "Colleague or friend", "Other"),
}
