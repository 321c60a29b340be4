"""Writes conflict-news articles for the dedup benchmark from events and phrase templates.

An ``Event`` holds the facts (place, day, cause, perpetrator, toll, target, the monitor
quoted); ``write`` turns one into a title and paragraphs in an outlet's voice. Two reports
of one event drawn with different seeds share the facts and little of the wording (a
*story*, not a copy); reports of different events from the same outlet share its stock
sentences (the monitor's boilerplate, the war's death toll): the hard negatives a
near-duplicate detector must not link.

Templates use ``{a|b|c}`` for a choice (nested freely), ``[x]`` for an optional part and
``$name`` for a fact of the event. Everything is drawn from one ``random.Random``, so a
seed gives the same text on every run.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

# --- expanding templates --------------------------------------------------------------------

_SLOT = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def expand(template: str, rng: random.Random, slots: dict[str, str], *, sentence: bool = True) -> str:
    """Resolve choices and optional parts innermost first, then fill the slots.

    A ``sentence`` starts with a capital; a phrase put into a slot keeps its case.
    """
    text = template
    while True:
        match = re.search(r"\{([^{}\[\]]*)\}|\[([^{}\[\]]*)\]", text)
        if match is None:
            break
        if match.group(1) is not None:
            picked = rng.choice(match.group(1).split("|"))
        else:
            picked = match.group(2) if rng.random() < 0.5 else ""
        text = text[: match.start()] + picked + text[match.end() :]
    text = _SLOT.sub(lambda m: slots[m.group(1)], text)
    text = re.sub(r"\s+([,.;:])", r"\1", re.sub(r"  +", " ", text)).strip()
    return text[0].upper() + text[1:] if text and sentence else text


# --- the world --------------------------------------------------------------------------------

# town, province, country, a nearby place, who holds it
PLACES: list[tuple[str, str, str, str, str]] = [
    ("Khan Sheikhoun", "Idlib", "Syria", "Maarat al-Numan", "rebels"),
    ("Maarat al-Numan", "Idlib", "Syria", "Saraqeb", "rebels"),
    ("Saraqeb", "Idlib", "Syria", "Idlib city", "rebels"),
    ("Jisr al-Shughur", "Idlib", "Syria", "the Ghab plain", "jihadists"),
    ("Ariha", "Idlib", "Syria", "Jabal al-Zawiya", "rebels"),
    ("Kafr Nabl", "Idlib", "Syria", "Hass", "rebels"),
    ("Sarmada", "Idlib", "Syria", "the Bab al-Hawa crossing", "jihadists"),
    ("Douma", "Damascus countryside", "Syria", "Harasta", "rebels"),
    ("Harasta", "Damascus countryside", "Syria", "Arbin", "rebels"),
    ("Kafr Batna", "Damascus countryside", "Syria", "Saqba", "rebels"),
    ("Hamouriyeh", "Damascus countryside", "Syria", "Jisreen", "rebels"),
    ("Jobar", "Damascus", "Syria", "Ain Tarma", "rebels"),
    ("Raqqa", "Raqqa", "Syria", "Tabqa", "Islamic State"),
    ("Tabqa", "Raqqa", "Syria", "the Tabqa dam", "Islamic State"),
    ("Mayadin", "Deir ez-Zor", "Syria", "al-Quriyah", "Islamic State"),
    ("Hajin", "Deir ez-Zor", "Syria", "al-Susah", "Islamic State"),
    ("Abu Kamal", "Deir ez-Zor", "Syria", "the Iraqi border", "Islamic State"),
    ("Manbij", "Aleppo", "Syria", "Arima", "the SDF"),
    ("al-Bab", "Aleppo", "Syria", "Tadef", "Turkish-backed rebels"),
    ("Afrin", "Aleppo", "Syria", "Jandaris", "Kurdish fighters"),
    ("Azaz", "Aleppo", "Syria", "the Turkish border", "Turkish-backed rebels"),
    ("Atarib", "Aleppo", "Syria", "Darat Izza", "rebels"),
    ("Latamneh", "Hama", "Syria", "Kafr Zita", "rebels"),
    ("Morek", "Hama", "Syria", "Suran", "jihadists"),
    ("Talbiseh", "Homs", "Syria", "Rastan", "rebels"),
    ("Nawa", "Daraa", "Syria", "Sheikh Miskin", "rebels"),
    ("Busra al-Harir", "Daraa", "Syria", "the Lajat area", "rebels"),
    ("Tal Afar", "Nineveh", "Iraq", "Mosul", "Islamic State"),
    ("Mosul", "Nineveh", "Iraq", "Hammam al-Alil", "Islamic State"),
    ("Hawija", "Kirkuk", "Iraq", "Riyadh district", "Islamic State"),
    ("Fallujah", "Anbar", "Iraq", "Karma", "Islamic State"),
    ("Tarmiyah", "Salahuddin", "Iraq", "Samarra", "Iraqi forces"),
    ("Sadr City", "Baghdad", "Iraq", "the Jamila market", "Iraqi forces"),
    ("Saada", "Saada", "Yemen", "Dahyan", "the Houthis"),
    ("Hodeidah", "Hodeidah", "Yemen", "Zabid", "the Houthis"),
    ("Taiz", "Taiz", "Yemen", "Mocha", "government forces"),
    ("Hajjah", "Hajjah", "Yemen", "Abs", "the Houthis"),
    ("Marib", "Marib", "Yemen", "Sirwah", "government forces"),
]

CAUSES = ("airstrike", "shelling", "barrel_bombs", "car_bomb", "suicide_bombing", "roadside_bomb", "drone_strike", "rockets", "clashes")

PERPETRATORS = {
    "airstrike": ["russia", "regime", "coalition", "unknown"],
    "barrel_bombs": ["regime"],
    "drone_strike": ["coalition", "turkey", "unknown"],
    "shelling": ["regime", "rebels", "turkey", "sdf"],
    "rockets": ["rebels", "regime", "houthis"],
    "car_bomb": ["isis", "unknown"],
    "suicide_bombing": ["isis"],
    "roadside_bomb": ["isis", "unknown"],
    "clashes": ["regime", "sdf", "rebels"],
}
YEMEN_PERPETRATORS = {"airstrike": ["saudi"], "drone_strike": ["saudi", "houthis"], "shelling": ["houthis", "saudi"], "rockets": ["houthis"], "clashes": ["houthis"]}
IRAQ_PERPETRATORS = {"airstrike": ["coalition"], "drone_strike": ["coalition"], "shelling": ["isis"], "rockets": ["isis"], "clashes": ["isis"]}
HUBS = {"Syria": "{BEIRUT|DAMASCUS|AMMAN|ISTANBUL}", "Iraq": "{BAGHDAD|ERBIL|MOSUL}", "Yemen": "{SANAA|ADEN|DUBAI|RIYADH}"}

PERP_NP = {
    "russia": "{Russian warplanes|Russian jets|Russian aircraft|warplanes believed to be Russian}",
    "regime": "{Syrian government warplanes|regime aircraft|government forces|Syrian army helicopters}",
    "coalition": "{US-led coalition aircraft|coalition warplanes|jets of the US-led coalition}",
    "saudi": "{Saudi-led coalition warplanes|coalition jets|aircraft of the Saudi-led coalition}",
    "turkey": "{Turkish forces|Turkish army artillery|Turkish drones}",
    "sdf": "{Kurdish-led forces|the Syrian Democratic Forces|SDF fighters}",
    "rebels": "{rebel groups|opposition fighters|militants}",
    "houthis": "{Houthi fighters|the Houthi movement|Iran-aligned Houthi forces}",
    "isis": "{Islamic State militants|the Islamic State group|jihadists of the Islamic State group}",
    "unknown": "{unidentified aircraft|unknown attackers|unidentified assailants}",
}

CAUSE_NP = {
    "airstrike": ("{air strikes|air raids|airstrikes}", "{an air strike|an air raid|a bombing raid}"),
    "shelling": ("{artillery shelling|shelling|artillery fire}", "{a barrage of shells|an artillery strike|a shelling attack}"),
    "barrel_bombs": ("{barrel bombs|barrel bomb attacks}", "{a barrel bomb|a helicopter-dropped barrel bomb}"),
    "car_bomb": ("{car bombs|bombings}", "{a car bomb|a car bombing|an explosives-laden vehicle}"),
    "suicide_bombing": ("{suicide attacks|suicide bombings}", "{a suicide bomber|a suicide attack|a suicide bombing}"),
    "roadside_bomb": ("{roadside bombs|explosive devices}", "{a roadside bomb|an improvised explosive device|a bomb planted by the road}"),
    "drone_strike": ("{drone strikes|drone attacks}", "{a drone strike|a drone attack|a strike by an armed drone}"),
    "rockets": ("{rocket fire|rocket attacks|mortar and rocket fire}", "{a rocket attack|a salvo of rockets|a mortar strike}"),
    "clashes": ("{clashes|heavy fighting|fierce battles}", "{a counter-attack|an assault|a night attack}"),
}

TARGETS = [
    "market", "vegetable market", "hospital", "field hospital", "school", "residential building", "bakery",
    "mosque", "camp for displaced people", "checkpoint", "bus station", "funeral procession", "wedding party",
    "fuel station", "water plant", "farm", "police station", "courthouse", "civil defence centre", "clinic",
]

MONITORS = {
    "Syria": ["sohr", "civil_defence", "health", "activists", "sana"],
    "Iraq": ["security_cell", "police", "health", "residents"],
    "Yemen": ["health", "masirah", "un", "residents"],
}
MONITOR_NP = {
    "sohr": ("{the Syrian Observatory for Human Rights|the Britain-based Syrian Observatory for Human Rights}", "the Observatory"),
    "civil_defence": ("{the Syria Civil Defence, known as the White Helmets|the White Helmets rescue group}", "the White Helmets"),
    "health": ("{the local health directorate|health officials|the provincial health office}", "health officials"),
    "activists": ("{local activists|opposition activists|a local media network}", "activists"),
    "sana": ("{state news agency SANA|the official SANA news agency}", "SANA"),
    "security_cell": ("{Iraq's Security Media Cell|the Iraqi military's Security Media Cell}", "the Security Media Cell"),
    "police": ("{police officials|a police source|an interior ministry official}", "police"),
    "masirah": ("{the Houthi-run Al Masirah television|Houthi-run media}", "Al Masirah"),
    "un": ("{the United Nations|UN officials|the UN humanitarian office}", "the UN"),
    "residents": ("{residents|local residents and medics|witnesses}", "residents"),
}

FIRST = ["Ahmad", "Mohammed", "Khaled", "Omar", "Abu Hamza", "Yasser", "Hussein", "Abdulrahman", "Mahmoud", "Fadi",
         "Hassan", "Ali", "Umm Khaled", "Fatima", "Layla", "Rami", "Ibrahim", "Mustafa", "Saleh", "Adnan", "Nour",
         "Hamid", "Jamal", "Ziad", "Samer", "Karim", "Walid", "Basel", "Raed", "Haitham"]
LAST = ["al-Hamwi", "Haj Hussein", "al-Ali", "al-Khatib", "Othman", "al-Saleh", "Darwish", "al-Abdullah",
        "Mansour", "al-Homsi", "Shaker", "al-Halabi", "Qasim", "Barakat", "al-Jasim", "Saadeh", "al-Obeidi",
        "Hamadi", "al-Faraj", "Khalil", "Sweid", "al-Mustafa", "Haddad", "al-Zoubi", "Rashid"]
ROLES = ["a rescue worker", "a doctor at the local hospital", "a teacher", "a shopkeeper", "a local council member",
         "a resident", "a nurse", "a volunteer with the civil defence", "a father of four", "a farmer",
         "an activist", "a paramedic", "a pharmacist", "a taxi driver"]
OFFICIALS = ["spokesman", "spokeswoman", "director", "media officer", "deputy governor", "commander"]

WITNESS_QUOTES = [
    "We heard the {planes|jets|explosion} and then everything went {black|silent}",
    "There were children under the rubble{, we dug with our hands|, we could hear them calling|}",
    "The market was full of people buying food{ for the evening| for the holiday|}",
    "This is the {third|fourth|second} time this {month|week} they have hit {the town|us|this neighbourhood}",
    "We have nowhere left to go{, every place is being bombed|, the border is closed|}",
    "The hospital cannot cope, we are running out of {everything|blood and anaesthetics|beds}",
    "I lost my {brother|cousin|neighbour|son} and {two|three} of his children",
    "People were carrying the wounded in their own cars because the ambulances could not reach us",
    "{Whole families|Entire families} were wiped out in seconds",
    "The building came down on the people sheltering in the basement",
    "We buried {eleven|nine|seven|six} people before sunset",
    "Nobody warned us, there are no fighters in this {street|village|neighbourhood}",
    "The smoke was so thick we could not see the {street|bodies|rescuers}",
    "{Nobody|No one} can sleep any more{, the children scream at every sound|}",
]
OFFICIAL_QUOTES = [
    "Our teams are still searching for survivors{ under the rubble|}",
    "The toll is likely to rise because many of the wounded are in critical condition",
    "We call on the international community to {stop this massacre|protect civilians|act now}",
    "{These|The} targets were legitimate military {objectives|sites} used by terrorists",
    "We are investigating the reports and will publish our findings",
    "{Most|Nearly all} of the victims were women and children",
    "The attack was a clear violation of the ceasefire agreement",
    "Our forces repelled the attack and inflicted heavy losses on the enemy",
    "The hospitals in the area are {overwhelmed|out of service|barely functioning}",
    "We have documented the names of all the victims",
]

OUTLETS = {
    # outlet: (source name, style, dateline pattern)
    "reuters": ("Reuters", "wire", "$hub (Reuters) - "),
    "afp": ("AFP", "wire", "$hub (AFP) - "),
    "ap": ("Associated Press", "wire", "$hub (AP) — "),
    "aljazeera": ("Al Jazeera", "feature", ""),
    "mee": ("Middle East Eye", "feature", ""),
    "enab": ("Enab Baladi", "local", ""),
    "smart": ("SMART News", "local", ""),
    "sana": ("SANA", "state", "$province, SANA - "),
    "tass": ("TASS", "state", "MOSCOW, {$month_name} $day_num. /TASS/. "),
    "kurdistan24": ("Kurdistan 24", "local", ""),
    "rudaw": ("Rudaw", "local", ""),
    "saba": ("Saba", "state", "SANAA, {$month_name} $day_num (Saba) - "),
    "almasdar": ("Al Masdar News", "local", "$hub, {SYRIA|IRAQ|YEMEN} ($hour:$minute {A.M.|P.M.}) – "),
    "thenational": ("The National", "feature", ""),
    "dailystar": ("The Daily Star", "wire", "BEIRUT: "),
}

NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def number(n: int, style: str) -> str:
    """Wire style spells out one to nine; state media writes digits."""
    if style == "state" or n >= 10:
        return str(n)
    return NUM_WORDS[n]


@dataclass
class Event:
    """The facts of one event: every report of it shares these and nothing else."""

    id: str
    kind: str  # casualties, advance, humanitarian
    town: str
    province: str
    country: str
    nearby: str
    holder: str
    day: date
    cause: str = "airstrike"
    perp: str = "unknown"
    killed: int = 0
    injured: int = 0
    children: int = 0
    women: int = 0
    target: str = "market"
    target2: str = "school"
    monitor: str = "sohr"
    spokes: str = "Rami Abdel Rahman"
    witness: str = "Ahmad al-Ali"
    witness_role: str = "a resident"
    quote: str = ""
    official_quote: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def make_event(event_id: str, rng: random.Random, *, place: tuple | None = None, cause: str | None = None,
               monitor: str | None = None, day: date | None = None, kind: str = "casualties") -> Event:
    """A random event; pinning place, cause or monitor makes hard negatives of the same kind."""
    town, province, country, nearby, holder = place or rng.choice(PLACES)
    if cause is None:
        cause = rng.choice([c for c in CAUSES if country != "Yemen" or c in YEMEN_PERPETRATORS])
    perps = (YEMEN_PERPETRATORS.get(cause) if country == "Yemen" else None) or PERPETRATORS[cause]
    if country == "Iraq":
        perps = IRAQ_PERPETRATORS.get(cause, perps)
    killed = rng.choice([rng.randint(5, 9), rng.randint(5, 25), rng.randint(10, 60)])
    rng_q = random.Random(rng.random())
    return Event(
        id=event_id,
        kind=kind,
        town=town,
        province=province,
        country=country,
        nearby=nearby,
        holder=holder,
        day=day or date(2016, 1, 1) + timedelta(days=rng.randint(0, 1200)),
        cause=cause,
        perp=rng.choice(perps),
        killed=killed,
        injured=rng.randint(killed // 2 + 1, killed * 3 + 5),
        children=rng.randint(2, max(2, killed // 2)),
        women=rng.randint(2, max(2, killed // 3)),
        target=rng.choice(TARGETS),
        target2=rng.choice(TARGETS),
        monitor=monitor or rng.choice(MONITORS[country]),
        spokes=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        witness=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        witness_role=rng.choice(ROLES),
        quote=expand(rng.choice(WITNESS_QUOTES), rng_q, {}),
        official_quote=expand(rng.choice(OFFICIAL_QUOTES), rng_q, {}),
    )


# --- paragraphs by role -------------------------------------------------------------------------

LEADS = [
    "[At least ]$killed_w {civilians|people} {were killed|died}[, including $children_w children,] {on $weekday|overnight|early on $weekday} when $perp {struck|hit|pounded|targeted} {a $target|the town's $target} in $town{, in $province province| in $country's $province province|}, $monitor_full said.",
    "$Perp killed {at least |}$killed_w {civilians|people} in {the $province town of $town|$town} {on $weekday|at dawn on $weekday|on $weekday evening}, according to $monitor_full.",
    "$cause_a on {a $target|a crowded $target} in $town {killed|claimed the lives of} $killed_w people[ and wounded $injured_w others] on $weekday, $monitor_full {said|reported}.",
    "{The death toll from|The number of people killed in} $cause_pl on $town {rose to|reached|climbed to} $killed_w on $weekday, $monitor_full said, {as rescuers dug through the rubble|with dozens more wounded|making it one of the deadliest days in $province this year}.",
    "$Killed_c people, {among them|including} $children_w children, died on $weekday in $cause_pl on $town, a {town|city|village} in {$province|the $province countryside}, $monitor_full said.",
    "{Rescue workers|Residents|Medics} in $town {were digging through|searched} the rubble on $weekday after $cause_pl killed $killed_w people, {among them $children_w children|most of them civilians}, $monitor_full said.",
    "{A|One} {day|night} of $cause_pl on {$town|the $province town of $town} left $killed_w people dead and $injured_w wounded, $monitor_full said on $weekday.",
]
STATE_LEADS = [
    "$Killed_c civilians were martyred and $injured_w others were injured when {terrorist groups|terrorists} {fired|launched} {rocket shells|mortar rounds|shells} on {residential neighborhoods|a $target} in $town on $weekday, a {source|police source|military source} told SANA.",
    "{Army units|Units of the army} {on $weekday|} carried out {precise|intensive} operations against {terrorist positions|the dens of terrorists} in {the countryside of $town|$town and its surroundings}, killing {scores of|$killed_w} terrorists and destroying their {vehicles|weapons|fortifications}.",
    "A {military|field} source said that {army units|our forces} {foiled|repelled} an attack by terrorist groups on {military points|positions} near $town, killing $killed_w of them.",
]
DETAILS = [
    "The {strikes|raids|shells|blast} hit {a $target|the $target} and {a nearby $target2|several houses|a residential street|a crowded street}, {according to|said} {witnesses|a rescue worker|a local council member}.",
    "$Injured_c others were wounded, {some of them critically|several in serious condition|many of them women and children}, and the toll {could|was expected to|may} rise[ because people were still trapped under the rubble].",
    "{Among the dead were|The dead included} $children_w children and $women_w women, $monitor_short said.",
    "{Video|Footage|Photographs} {posted online|released by rescuers|shared by activists} showed {rescuers pulling a child from the rubble|collapsed buildings and burning cars|bodies wrapped in blankets laid out in a street|a crater where the $target had stood}.",
    "The {wounded|injured} were {taken|rushed|transferred} to {hospitals|field hospitals|a hospital} in $nearby, {which were already short of supplies|where doctors appealed for blood donations|and to the main hospital of $province}.",
    "{A second strike|Another strike|A second round of shelling} hit the same {area|spot|street} {minutes later|half an hour later|as rescuers arrived}, {wounding|killing} {two|three|several} {rescue workers|volunteers|paramedics}.",
    "The $target {was put out of service|was destroyed|was badly damaged}[, the {third|second|fourth} such facility hit in $province this {month|week}].",
    "{Dozens of|Several} {families|residents} {fled|left} $town for {olive groves|camps|villages} near $nearby after the {attack|strikes|shelling}.",
    "{Rescuers|Civil defence teams} worked {through the night|for hours|until dawn} {with bulldozers and bare hands|by the light of their phones} to {reach|free} {people trapped in the basement|survivors buried under two floors of concrete}.",
    "{Local|Opposition-run} {radio|media} {had warned|warned} residents {minutes before|shortly before} the {strike|attack} that {aircraft|warplanes} had taken off from {Hmeimim|a base in Hama|the east}, {but many had no time to reach shelters|giving families little time to hide}.",
    "{Shopkeepers|Traders} {said|told local media} the $target had {reopened|been busy} only {days earlier|last week} after {months|weeks} of closure, {and was crowded at the time|with people stocking up on flour and fuel}.",
    "{The local council|Municipal officials} {declared|announced} {three days of mourning|a day of mourning} and {suspended|closed} {schools|markets} {until further notice|for the rest of the week}.",
    "{Electricity|Water} {supplies|services} to {large parts of|much of} $town were {cut|knocked out} after the {strikes|attack} {damaged|hit} {a transformer station|the main pumping station}.",
    "{It was|This was} the {deadliest|bloodiest} {single attack|day} in $town since {the spring|last year|the start of the offensive}, {according to|said} {residents|the monitor}.",
    "{Doctors|Medical staff} at {the hospital|a clinic} in $nearby said they had {carried out|performed} {amputations|emergency operations} {through the night|for hours} and {were running short of|had run out of} {blood|anaesthetic|painkillers}.",
    "{Funerals|Burials} for {the victims|the dead} were held {on $weekday evening|the following morning|at dusk}, {with mourners keeping watch on the sky|in a cemetery on the edge of town}.",
]
ELSEWHERE = [
    "Elsewhere in {$province|the province}, {a separate|another} {strike|attack} {killed|left dead} {two|three|four} {people|members of one family} in {the village of|nearby} {Kafr Amim|Tell Mardikh|al-Hamidiyah|Deir Sharqi|Um Jalal|Tal Hadya}, {activists|the monitor} said.",
    "{Separately|In another development}, {the army|government forces|rebels} {said|claimed} they had {repelled|foiled} an {attack|infiltration attempt} {near|on the outskirts of} {the airbase|the highway|a hilltop village}, {killing|wounding} {dozens|several} of the {attackers|enemy}.",
    "{Earlier in the week|On the same day}, {a convoy|a UN convoy|an ambulance} {came under fire|was hit} {on the road to|near} $nearby, {the UN said|according to the Red Crescent}, {the latest in a series of attacks on aid workers|without causing casualties}.",
    "{Meanwhile|At the same time}, {talks|negotiations} {between|among} {Russia and Turkey|the warring parties|the guarantor states} on {a new truce|the future of the province|a prisoner swap} {stalled|made little progress} {in|during} {a meeting in Ankara|the latest round in Astana|talks in Geneva}.",
]
MONITOR_PARAS = {
    "sohr": [
        "The Britain-based Observatory, which relies on a network of sources inside Syria, says it determines who carried out strikes according to the type of aircraft, flight patterns and munitions involved.",
        "The Observatory's director Rami Abdel Rahman said {the dead included|most of the victims were} {members of two families|people displaced from other parts of the country|people queueing for bread}.",
        "The monitor said it {believed|could not confirm whether} the {jets|aircraft} were {Russian|Syrian|from the coalition}.",
    ],
    "civil_defence": [
        "The Syria Civil Defence, also known as the White Helmets, said its volunteers had {recovered|pulled} $killed_w bodies {from the rubble|from three destroyed buildings}.",
        "The rescue group, whose volunteers work in opposition-held areas, {posted|published} the names of {the victims|the dead} on its {website|social media accounts}.",
    ],
    "health": ["{A health official|An official at the health directorate} said {hospitals|the main hospital} in $nearby had received $injured_w wounded."],
    "activists": ["{Activists|Local activists} {posted|published} {video|photographs} {of the aftermath|showing the damage} {online|on social media}, {which could not be independently verified|whose authenticity could not be confirmed}."],
    "sana": ["The agency said the {attack|shells} caused {material damage|heavy damage} to {houses and cars|public and private property}."],
    "security_cell": ["The cell said in a statement that {security forces|a force from the Federal Police} {cordoned off the area|opened an investigation}[ and arrested {two|three} suspects]."],
    "police": ["{A police officer|An officer}, who spoke on condition of anonymity {because he was not authorised to speak to reporters|}, gave the toll[, adding that $injured_w people were wounded]."],
    "masirah": ["{Al Masirah|The channel} {broadcast footage|showed images} of {charred bodies|rescuers searching the debris} {at the site|in the rubble}."],
    "un": ["{The UN humanitarian coordinator|UN officials} {said they were|declared themselves} {appalled|deeply concerned} and called for an {independent|immediate} investigation."],
    "residents": ["{Residents|Witnesses} {said|told reporters} {the explosion|the strike|the attack} {could be heard across the city|shattered windows streets away|set several cars ablaze}."],
}
QUOTES = [
    "{\"$quote,\" said $witness, $witness_role in $town.|\"$quote,\" $witness, $witness_role, told {$outlet|reporters} {by phone|by telephone|via WhatsApp|}.|$witness, $witness_role, said: \"$quote.\"}",
    "{\"$official_quote,\" said $spokes, {a|the} $official_role {of|for} {the local council|the civil defence in $province|the health directorate}.|$spokes, {a|the} $official_role of {the local council|the health directorate}, told {$outlet|reporters}: \"$official_quote.\"}",
]
PERP_PARAS = {
    "russia": ["{Moscow|The Russian defence ministry} {has repeatedly denied|denies} targeting civilians and says it {strikes only|only targets} {militants|terrorists}.", "There was no {immediate |}comment from Moscow."],
    "regime": ["{Damascus|The Syrian government} says it {is fighting|only targets} {terrorists|militants} and denies {hitting civilians|using barrel bombs}.", "{State media|SANA} said the army had targeted {terrorist positions|militant hideouts} in the area."],
    "coalition": ["The coalition said it {was investigating|would review} the {reports|allegations}[ and takes all allegations of civilian casualties seriously].", "A coalition spokesman said he had no information on the {strike|reports} {but would look into it|}."],
    "saudi": ["The coalition {did not immediately comment|has denied targeting civilians} and {accuses|says} the Houthis {of using|use} civilians as human shields.", "{The coalition|Riyadh} says it takes {great care|every precaution} to avoid civilian casualties."],
    "turkey": ["{Ankara|Turkey's defence ministry} {said|says} it targets only {Kurdish militants|terrorist positions} and takes care to avoid civilians."],
    "sdf": ["{The SDF|A spokesman for the Kurdish-led forces} said {its fighters had fired only in response to an attack|it had not shelled civilian areas}."],
    "rebels": ["{Rebel groups|Opposition factions} {denied|rejected} {responsibility|the accusation} and blamed {government forces|the army} for {the shelling|the attack}."],
    "houthis": ["{The Houthis|The movement's media office} {denied|did not comment on} the {attack|accusation}."],
    "isis": ["{Islamic State claimed responsibility|The Islamic State group claimed the attack} {in a statement|through its Amaq news agency}.", "{No group|Nobody} {immediately claimed|has claimed} responsibility, but {similar attacks|such bombings} have been claimed by Islamic State."],
    "unknown": ["{No group|Nobody} {immediately claimed|has yet claimed} responsibility for the {attack|strike}."],
}
CONTEXT = [
    "$town lies in territory held by $holder {and has been|which has been} {hit repeatedly|under intensifying bombardment} {since $month_name|in recent weeks}.",
    "{Government forces|Pro-government forces}{, backed by Russian air power,|} have been {advancing|pushing} towards $nearby {since $month_name|in recent weeks}{, displacing tens of thousands of people|}.",
    "The {attack|strike|bombing} came {a day|two days|hours} after {a ceasefire brokered by Russia and Turkey collapsed|talks in {Astana|Geneva|Sochi} ended without agreement|the United Nations warned of a humanitarian catastrophe in $province|{rebels|militants} shelled $nearby}.",
    "{Fighting|Violence} in $province has {intensified|escalated} since {$month_name|the start of the year}{, with the United Nations recording dozens of attacks on health facilities|}.",
    "{Aid groups|Humanitarian organisations} {say|estimate} that {hundreds of thousands|more than a million} people {live|are sheltering} in {the area|$province}, many of them {displaced from other parts of the country|in overcrowded camps along the border}.",
    "{Russia and Turkey|The guarantor powers} {agreed|brokered} a {truce|ceasefire} for the region {in|last} {$month_name|spring|September}, but {it has been violated repeatedly|both sides accuse each other of breaking it}.",
    "$town{, once home to some {40,000|60,000|100,000} people,| } has {changed hands several times|been a frontline town} since {2012|2013|2014}.",
]
BACKGROUND = {
    "Syria": [
        "Syria's war has killed more than {350,000|360,000|370,000} people since it started in 2011 with the brutal repression of anti-government protests.",
        "Syria's conflict has killed hundreds of thousands of people and displaced half of the country's pre-war population.",
        "Idlib is part of a \"de-escalation zone\" agreed by Russia, Turkey and Iran in Astana.",
    ],
    "Iraq": [
        "Iraq declared victory over Islamic State in December 2017, but the group's fighters still carry out hit-and-run attacks{ in the north| in remote areas|}.",
        "Islamic State seized a third of Iraq in 2014 before being driven out in a three-year campaign backed by a US-led coalition.",
    ],
    "Yemen": [
        "The war in Yemen has killed tens of thousands of people and pushed millions to the brink of famine, according to the United Nations.",
        "The Saudi-led coalition intervened in Yemen in March 2015 to restore the government of President Abd-Rabbu Mansour Hadi.",
    ],
}
TITLES = [
    "{Air strikes|Raids|Bombardment} kill $killed in $country's $town[, monitor says]",
    "$Killed_c killed in $cause_title on $town",
    "Death toll in $town $cause_title rises to $killed",
    "$country: $killed civilians dead after $cause_title in $town",
    "$cause_title kills $killed[ including $children children] in $province",
    "{Civilians|Children} among $killed dead in $province $cause_title",
    "$town: {rescuers search rubble|funerals held} after $cause_title kills $killed",
]
ADVANCE = [
    "{Government forces|$holder_c|The army and allied militias} {captured|took control of|seized} {$town|several villages around $town} on $weekday{ after days of fighting| following heavy bombardment|}, {$monitor_full said|according to $monitor_full}.",
    "{The advance|The push} {brings|puts} them {within a few kilometres of|closer to} $nearby{, a key supply route| and the main highway|}.",
    "{At least |}$killed_w fighters {were killed|died} on both sides{ in the fighting|}, {$monitor_short said|according to the monitor}.",
    "{Thousands of|Hundreds of} {families|civilians} {fled|were displaced} towards $nearby{, the UN said|, aid groups said|}.",
    "\"$official_quote,\" $spokes, a {commander|spokesman} for {the advancing forces|the opposition}, said.",
]
HUMANITARIAN = [
    "{An aid convoy|A UN convoy|A convoy of {30|45|52} trucks} {reached|entered} $town on $weekday {for the first time in months|carrying food and medicine|after weeks of delays}{, the UN said|, the Red Cross said|}.",
    "{About|Some|More than} {5,000|12,000|40,000|120,000} people {have fled|were displaced from} $town and surrounding villages {since $month_name|in the past week}, {the UN humanitarian office|OCHA|aid agencies} said.",
    "{Aid workers|Doctors} {warned|said} that {hospitals|camps} near $nearby were {overwhelmed|full} and that {winter|the summer heat} {was making conditions worse|threatened the displaced}.",
    "\"$official_quote,\" $spokes, $official_role of {a local relief group|the camp administration}, said.",
]


# --- writing one report -------------------------------------------------------------------------


def _slots(ev: Event, outlet: str, rng: random.Random) -> dict[str, str]:
    source, style, dateline = OUTLETS[outlet]
    killed_w, injured_w = number(ev.killed, style), number(ev.injured, style)
    plural, single = CAUSE_NP[ev.cause]
    slots = {
        "town": ev.town, "province": ev.province, "country": ev.country, "nearby": ev.nearby, "holder": ev.holder,
        "holder_c": ev.holder[0].upper() + ev.holder[1:],
        "weekday": WEEKDAYS[ev.day.weekday()], "month_name": MONTHS[ev.day.month - 1], "day_num": str(ev.day.day),
        "hour": str(rng.randint(1, 11)), "minute": f"{rng.randint(0, 59):02d}",
        "killed": str(ev.killed), "killed_w": killed_w, "Killed_c": killed_w[0].upper() + killed_w[1:],
        "injured_w": injured_w, "Injured_c": injured_w[0].upper() + injured_w[1:],
        "children": str(ev.children), "children_w": number(ev.children, style), "women_w": number(ev.women, style),
        "target": ev.target, "target2": ev.target2,
        "spokes": ev.spokes, "witness": ev.witness, "witness_role": ev.witness_role,
        "quote": ev.quote, "official_quote": ev.official_quote, "official_role": rng.choice(OFFICIALS),
        "outlet": source,
        "monitor_short": MONITOR_NP[ev.monitor][1],
    }
    slots["hub"] = expand(HUBS[ev.country], rng, slots)
    slots["dateline"] = expand(dateline, rng, slots, sentence=False) + " " if dateline else ""
    slots["monitor_full"] = expand(MONITOR_NP[ev.monitor][0], rng, slots, sentence=False)
    slots["perp"] = expand(PERP_NP[ev.perp], rng, slots, sentence=False)
    slots["Perp"] = slots["perp"][0].upper() + slots["perp"][1:]
    slots["cause_pl"] = expand(plural, rng, slots, sentence=False)
    slots["cause_a"] = expand(single, rng, slots, sentence=False)
    slots["cause_title"] = slots["cause_pl"].replace("air raids", "raids")
    return slots


def write(ev: Event, outlet: str, rng: random.Random, *, length: str = "normal",
          avoid: set[str] | None = None) -> tuple[str, list[str], str]:
    """Title, paragraphs and source name of one report of ``ev`` by ``outlet``.

    ``length`` is ``brief`` (three or four sentences), ``normal`` or ``long``. Templates in
    ``avoid`` (another outlet's report of the same event) are not used again where there is
    a choice, and the ones used are added to it: two outlets do not write alike.
    """
    source, style, _ = OUTLETS[outlet]
    s = _slots(ev, outlet, rng)
    used = avoid if avoid is not None else set()

    def pick(options: list[str], k: int) -> list[str]:
        fresh = [o for o in options if o not in used] or options
        chosen = rng.sample(fresh, min(k, len(fresh)))
        used.update(chosen)
        return [expand(t, rng, s) for t in chosen]

    paras: list[str] = []
    if ev.kind == "advance":
        paras = [expand(ADVANCE[0], rng, s), *pick(ADVANCE[1:], 3), *pick(CONTEXT, 2)]
        paras[0] = s["dateline"] + paras[0]
    elif ev.kind == "humanitarian":
        paras = [expand(HUMANITARIAN[0], rng, s), *pick(HUMANITARIAN[1:], 3), *pick(CONTEXT, 1)]
        paras[0] = s["dateline"] + paras[0]
    else:
        leads = STATE_LEADS if style == "state" and ev.country == "Syria" and rng.random() < 0.7 else LEADS
        paras.append(s["dateline"] + pick(leads, 1)[0])
        paras.extend(pick(DETAILS, {"brief": 2, "normal": rng.randint(3, 5), "long": rng.randint(5, 8)}[length]))
        if length == "brief":
            paras.extend(pick(MONITOR_PARAS[ev.monitor] + PERP_PARAS[ev.perp], 1))
        else:
            paras.extend(pick(MONITOR_PARAS[ev.monitor], rng.randint(1, 2)))
            paras.extend(pick(QUOTES, 1 if length == "normal" else 2))
            paras.extend(pick(PERP_PARAS[ev.perp], 1))
            paras.extend(pick(CONTEXT, {"normal": rng.randint(1, 2), "long": 3}[length]))
            paras.extend(pick(ELSEWHERE, {"normal": rng.randint(0, 1), "long": rng.randint(1, 3)}[length]))
        if style in ("wire", "feature") and length != "brief":
            background = [b for b in BACKGROUND[ev.country] if "Idlib" not in b or ev.province == "Idlib"]
            paras.extend(pick(background, rng.randint(1, 2)))
    # Outlets glue short paragraphs together differently.
    for _ in range(rng.randint(0, len(paras) // 3)):
        if len(paras) > 3:
            i = rng.randrange(1, len(paras) - 1)
            paras[i : i + 2] = [paras[i] + " " + paras[i + 1]]
    title = expand(rng.choice(TITLES), rng, s) if ev.kind == "casualties" else expand(
        "{$town|$province}: {$holder_c|forces} {advance|press on} {near|towards} $nearby" if ev.kind == "advance"
        else "{Aid reaches|Thousands flee} $town {as fighting rages|amid bombardment}", rng, s)
    return title, paras, source
