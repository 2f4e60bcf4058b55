"""The story kits the demo's articles are generated from: one per beat in Port Alder.

Every name, place and organisation here is invented. Templates use slots
({district}, {street}, {person}, {role}, {n}, {big}, {pct}, {weekday}, {minutes})
that are filled once per article, so one story keeps the same place and people.
"""

from dataclasses import dataclass, field

TOWN = "Port Alder"

DISTRICTS = [
    "Gull Point",
    "Lantern Hill",
    "the Ropewalk",
    "Northmoor",
    "Saltmarsh",
    "Old Quay",
    "Kestrel Rise",
    "Ferrybank",
    "Alder Creek",
    "Beacon Square",
]
STREETS = [
    "Harbour Street",
    "Saltmarsh Road",
    "Chandler Lane",
    "Quayside Avenue",
    "Tideway Road",
    "Kiln Street",
    "Mariner's Walk",
    "Bellbuoy Road",
    "Cooper's Row",
    "Net Loft Lane",
]
FIRST_NAMES = [
    "Ada", "Bram", "Celia", "Dario", "Edda", "Fenna", "Gideon", "Halla", "Ivo", "Juno",
    "Kasimir", "Linnea", "Matteo", "Nerys", "Oskar", "Pilar", "Quentin", "Rosalind",
    "Soren", "Tamsin", "Ulla", "Viggo", "Wren", "Yara",
]  # fmt: skip
LAST_NAMES = [
    "Ashdown", "Brackwater", "Corran", "Dunmore", "Elsworth", "Fairlie", "Greaves",
    "Holloway", "Inchmere", "Jessop", "Kettering", "Lowther", "Marchbank", "Nettleford",
    "Ormsby", "Pennock", "Quarrie", "Rathbone", "Silverdale", "Thorncliffe", "Upshaw",
    "Varley", "Westmacott", "Yelland",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


@dataclass(frozen=True)
class Topic:
    key: str
    tags: tuple[str, ...]
    hue: int
    motif: str
    roles: tuple[str, ...]
    news: tuple[str, ...]
    analysis: tuple[str, ...]
    standfirsts: tuple[str, ...]
    facts: tuple[str, ...]
    headings: tuple[str, ...]
    quotes: tuple[str, ...]
    caption: str
    video_title: str = ""
    extra: dict = field(default_factory=dict)


TOPICS = [
    Topic(
        key="transit",
        tags=("Transit", "Council"),
        hue=212,
        motif="lines",
        roles=("service planner at the Port Alder Transit Authority", "a regular commuter"),
        news=(
            "New timetable adds late-evening buses to {district}",
            "Route {n} will run every {minutes} minutes from {weekday}",
            "Night bus trial between {district} and the station extended",
            "Bus shelters on {street} to get real-time arrival boards",
        ),
        analysis=(
            "Why Port Alder's bus map is being redrawn around {district}",
            "What {big} journeys a week tell us about how the town moves",
            "The quiet arithmetic behind a bus every {minutes} minutes",
        ),
        standfirsts=(
            "The transit authority says the changes follow a year of passenger counts "
            "and will cost less than expected.",
            "Passengers in {district} have asked for later services for years; "
            "from {weekday} they get them.",
            "Fewer stops, more frequent buses: planners explain the trade-off and "
            "what it means for riders on {street}.",
        ),
        facts=(
            "Passenger counts on the {district} corridor rose by {pct} per cent in a year.",
            "The authority recorded {big} boardings in the last full month of counting.",
            "Buses on {street} currently arrive every {minutes} minutes at peak times.",
            "The revised timetable removes two little-used stops and adds one near the clinic.",
            "Drivers were consulted on running times before the changes were finalised.",
            "Printed timetables will be available at the library and the ferry terminal.",
            "The last departure from the station moves from 22:10 to 23:40.",
            "A six-month review will decide whether the late services become permanent.",
        ),
        headings=("What changes for riders", "Counting the passengers", "The late services"),
        quotes=(
            "We started from where people actually travel, not from where the old lines ran.",
            "A bus that comes often is worth more than a bus that stops at every door.",
            "I used to plan my evenings around the last bus. Now I can stay for the second half.",
        ),
        caption="An illustration of bus routes crossing the town centre.",
        video_title="Riding the new Route {n} end to end",
    ),
    Topic(
        key="library",
        tags=("Libraries", "Community"),
        hue=32,
        motif="blocks",
        roles=("head librarian at Port Alder Public Library", "a volunteer reading tutor"),
        news=(
            "Branch library opens in a former chandlery in {district}",
            "Library extends Sunday opening after {big} sign-ups",
            "Seed library launches at the {district} branch",
            "Children's reading room reopens on {street} after renovation",
        ),
        analysis=(
            "What a library is for now: the {district} branch in its first year",
            "Loans are up {pct} per cent. Here is what people are borrowing",
            "How a small library budget stretches across {n} branches",
        ),
        standfirsts=(
            "The new branch has a maker space, a quiet study room and shelves built by "
            "apprentices from the boatyard.",
            "Librarians say evening and weekend hours bring in readers who never came before.",
            "From tool loans to tide tables, the library's catalogue keeps growing in "
            "unexpected directions.",
        ),
        facts=(
            "The branch lent {big} items in its first {n} weeks.",
            "Membership among under-twelves grew by {pct} per cent this year.",
            "The shelving was built from timber salvaged during the quay repairs.",
            "A lending collection of tools, from drills to sewing machines, starts next month.",
            "Volunteers run a homework club every {weekday} afternoon.",
            "Opening hours now run until 20:00 on weekdays.",
            "The local history room holds maps of {district} going back two centuries.",
            "Printing, scanning and help with forms remain free for members.",
        ),
        headings=("Inside the new branch", "Who is borrowing", "Longer hours"),
        quotes=(
            "A library is the last indoor place where nobody expects you to buy anything.",
            "We counted the footsteps before we counted the loans, and both went up.",
            "The children found the map drawers before they found the picture books.",
        ),
        caption="An abstract illustration suggesting rows of shelves.",
    ),
    Topic(
        key="tides",
        tags=("Science", "Coast"),
        hue=188,
        motif="waves",
        roles=("oceanographer at the Alder Bay Marine Institute", "a harbour pilot"),
        news=(
            "Tide gauge at {district} records highest spring tide in a decade",
            "Marine institute installs {n} new sensors along the estuary",
            "Students help map tidal currents off {district}",
            "Open data: hourly tide readings now published online",
        ),
        analysis=(
            "Reading the tides: what a century of records says about the bay",
            "Why the estuary's tidal range is shifting, explained",
            "How {n} buoys and a spreadsheet changed the harbour's tide tables",
        ),
        standfirsts=(
            "Researchers say the readings will sharpen forecasts for the harbour and for "
            "the homes along {street}.",
            "The new instruments log water level, temperature and salinity every "
            "{minutes} minutes.",
            "Scientists, pilots and anglers all read the same numbers, and now anyone can.",
        ),
        facts=(
            "The gauge at {district} has logged water levels every hour since the 1920s.",
            "This year's highest reading was {n} centimetres above the long-term average.",
            "The institute's sensors sample every {minutes} minutes and upload by radio.",
            "Salinity near the river mouth varies by as much as {pct} per cent in a single day.",
            "Harbour pilots use the data to time the passage of deep-draught vessels.",
            "The records are published under an open licence for schools and researchers.",
            "Volunteers check the older mechanical gauge by hand once a week.",
            "The team will present its findings at a public talk in {district}.",
        ),
        headings=("A century of readings", "What the sensors measure", "Open to everyone"),
        quotes=(
            "The sea keeps very good records if you are patient enough to read them.",
            "Every pilot in the harbour checks these numbers before breakfast.",
            "We want a schoolchild and a ship's captain to be looking at the same chart.",
        ),
        caption="An abstract illustration of layered waves.",
        video_title="How a tide gauge works, in three minutes",
    ),
    Topic(
        key="bakery",
        tags=("Food", "Local economy"),
        hue=24,
        motif="orbs",
        roles=("founding member of the Ropewalk Bakers' Cooperative", "a market trader"),
        news=(
            "Bakery cooperative opens a second oven in {district}",
            "Cooperative bakers take on {n} apprentices",
            "Rye loaf from {street} wins regional baking prize",
            "Bakers' cooperative starts a dawn delivery round by cargo bike",
        ),
        analysis=(
            "How a bakery owned by its bakers balances the books",
            "Flour, energy and wages: the real cost of a loaf in Port Alder",
            "Five years on, what the cooperative model has meant for {district}",
        ),
        standfirsts=(
            "Members share the profits and the early starts; the queue on {street} suggests "
            "customers approve.",
            "The cooperative now bakes {big} loaves a week and sources most of its grain "
            "within the county.",
            "A look inside the ovens, the accounts and the rota of a business run by the "
            "people who work in it.",
        ),
        facts=(
            "The cooperative has {n} worker-members, each with one vote.",
            "It bakes roughly {big} loaves a week across its ovens.",
            "About {pct} per cent of its flour comes from mills within a day's drive.",
            "Unsold bread goes to the community kitchen in {district} each evening.",
            "Members rotate through early shifts so nobody bakes every dawn.",
            "The new oven runs on heat recovered from the proving room.",
            "Apprentices train for eighteen months before they can join as members.",
            "Prices are reviewed every quarter at an open meeting.",
        ),
        headings=("Inside the bakehouse", "Sharing the work", "The cost of a loaf"),
        quotes=(
            "Nobody here is working to make someone else rich, and you can taste it.",
            "We vote on everything, including the sourdough starter's name.",
            "The queue starts before we open. That is the best business plan there is.",
        ),
        caption="An abstract illustration in warm, crust-coloured tones.",
    ),
    Topic(
        key="bikelane",
        tags=("Cycling", "Transit"),
        hue=142,
        motif="lines",
        roles=("traffic engineer with the city works department", "a parent who cycles to school"),
        news=(
            "Protected bike lane on {street} opens to riders",
            "Cycle counts on the new {district} lane pass {big} a week",
            "Bike parking for {n} cycles added at the ferry terminal",
            "Lane markings refreshed after winter on {street}",
        ),
        analysis=(
            "One year of the {street} bike lane, in numbers",
            "Who rides the new lane? A closer look at the counts",
            "What {district} learned from building a bike lane in a narrow street",
        ),
        standfirsts=(
            "The kerb-separated lane links {district} with the seafront and the schools "
            "along the way.",
            "Automatic counters show steady growth, with weekend riding up {pct} per cent.",
            "Engineers explain how they fitted a two-way lane, trees and deliveries into "
            "a street built for carts.",
        ),
        facts=(
            "The lane runs for {n} hundred metres along {street}.",
            "Automatic counters recorded {big} trips in the most recent week.",
            "Weekend riding has grown by {pct} per cent since the lane opened.",
            "Loading bays were moved to side streets after talks with shopkeepers.",
            "Seven new trees were planted where parking spaces used to be.",
            "Crossings near the primary school now give cyclists their own signal.",
            "The works department sweeps the lane twice a week.",
            "A connection to the {district} waterfront path is planned for next year.",
        ),
        headings=("Counting the riders", "Fitting it in", "Next stretch"),
        quotes=(
            "We designed it for a nervous twelve-year-old, and everyone else benefits.",
            "My daughter rides to school on her own now. That was unthinkable last year.",
            "The counters do not argue. The numbers went up and stayed up.",
        ),
        caption="An abstract illustration of parallel lanes in green and white.",
    ),
    Topic(
        key="bridge",
        tags=("Infrastructure", "Council"),
        hue=14,
        motif="arcs",
        roles=(
            "structural engineer leading the inspection",
            "chair of the Ferrybank residents' group",
        ),
        news=(
            "Kestrel Bridge inspection finds bearings in good order",
            "Overnight closures planned for bridge survey on {weekday}",
            "Divers inspect the footings of the {district} footbridge",
            "Bridge repainting to begin after inspection sign-off",
        ),
        analysis=(
            "How you inspect a 110-year-old bridge without closing it",
            "What the Kestrel Bridge report says, and what it does not",
            "The maintenance bill for Port Alder's {n} bridges, explained",
        ),
        standfirsts=(
            "Engineers spent {n} nights on ropes and in boats; their report is now public.",
            "The survey found minor corrosion but no structural concerns, the council says.",
            "Closures will be limited to the small hours, with a shuttle bus across the river.",
        ),
        facts=(
            "The bridge carries around {big} crossings on a typical weekday.",
            "Inspectors examined {n} bearings and several hundred rivets.",
            "Corrosion was found on {pct} per cent of the painted steel, mostly near the piers.",
            "Divers surveyed the footings at low tide over two mornings.",
            "The last full inspection took place six years ago.",
            "A replacement shuttle bus will run every {minutes} minutes during closures.",
            "The full engineering report is available to read at the town hall.",
            "Repainting will use a coating expected to last twenty-five years.",
        ),
        headings=("What the inspectors found", "Working at night", "The repair plan"),
        quotes=(
            "Old bridges were built generously. This one has decades left in it.",
            "We would rather lose a few nights' sleep than a few years of the bridge.",
            "People mostly wanted to know the footbridge would stay open. It will.",
        ),
        caption="An abstract illustration of overlapping arches.",
    ),
    Topic(
        key="robotics",
        tags=("Education", "Science"),
        hue=276,
        motif="grid",
        roles=("teacher who coaches the robotics club", "a student on the team"),
        news=(
            "Northmoor school robotics team reaches regional final",
            "Students build a beach-cleaning robot from recycled parts",
            "Robotics club opens its workshop to {n} primary schools",
            "School team's underwater drone surveys the harbour wall",
        ),
        analysis=(
            "What students learn when the robot fails on competition day",
            "Inside a school robotics club that runs on donated parts",
            "Why the robotics club has a waiting list of {n}",
        ),
        standfirsts=(
            "The team of {n} students designed, wired and programmed the machine in "
            "{minutes} lunchtimes and a lot of evenings.",
            "Teachers say the club has become a place where quieter pupils lead.",
            "A robot that sorts plastic from shingle started as a sketch on a classroom window.",
        ),
        facts=(
            "The club meets every {weekday} after school in the old chemistry lab.",
            "Its members range from eleven to seventeen years old.",
            "Most components come from donated or recycled electronics.",
            "The team's robot completed the obstacle course in {n} minutes.",
            "Older students mentor younger ones in pairs.",
            "The underwater drone sends video from depths of up to {n} metres.",
            "About {pct} per cent of this year's members are new to programming.",
            "The club keeps its designs on an open wiki for other schools to copy.",
        ),
        headings=("Building the machine", "Competition day", "Sharing the designs"),
        quotes=(
            "The robot failed twice on the day. Fixing it in ten minutes was the real test.",
            "I came for the soldering and stayed because nobody laughs at questions here.",
            "Every design goes on the wiki. If another school beats us with it, good.",
        ),
        caption="An abstract illustration of a circuit-like grid.",
        video_title="The beach-cleaning robot at work",
    ),
    Topic(
        key="weather",
        tags=("Weather", "Coast"),
        hue=204,
        motif="orbs",
        roles=("forecaster at the Alder Valley weather station", "harbourmaster"),
        news=(
            "Gale warning for the coast on {weekday} night",
            "Driest month at the weather station since records began",
            "Fog delays ferries for a second morning",
            "Sea mist and {n}-degree days: the week ahead",
        ),
        analysis=(
            "Why Port Alder gets its own weather, explained",
            "Reading a sea-fog forecast: a short guide",
            "What {big} days of station records say about our winters",
        ),
        standfirsts=(
            "Forecasters expect gusts of up to {n}0 km/h on the exposed coast near {district}.",
            "The station's volunteers have logged the weather by hand every morning for decades.",
            "Mariners, gardeners and event organisers all want the same thing: a forecast "
            "they can trust.",
        ),
        facts=(
            "The weather station has recorded daily readings for over {n}0 years.",
            "Rainfall last month was {pct} per cent below the long-term average.",
            "Gusts are expected to peak around high tide on {weekday} evening.",
            "The harbourmaster has advised small boats to stay in port.",
            "Sea fog forms when warm air drifts over the cold water of the bay.",
            "Volunteers read the rain gauge at nine every morning.",
            "Forecasts for the coast are updated every {n} hours.",
            "Residents along {street} are asked to secure bins and garden furniture.",
        ),
        headings=("What to expect", "On the water", "The long record"),
        quotes=(
            "The bay makes its own weather. The hills behind us keep it here.",
            "If the fog horn on the point is going, the ferry will be late. Plan for it.",
            "A good forecast is half numbers and half knowing this coast.",
        ),
        caption="An abstract illustration of clouds and diffused light.",
    ),
    Topic(
        key="cargo",
        tags=("Harbour", "Local economy"),
        hue=4,
        motif="blocks",
        roles=("operations manager at the Port Alder Harbour Board", "a crane operator"),
        news=(
            "Harbour handles {big} tonnes of cargo in a record quarter",
            "New crane arrives at the {district} berth",
            "Timber shipments through the harbour up {pct} per cent",
            "Harbour Board publishes monthly cargo figures",
        ),
        analysis=(
            "What the harbour's cargo numbers say about the local economy",
            "Containers, timber and grain: the harbour in five charts",
            "Why a small harbour handles {big} tonnes a month",
        ),
        standfirsts=(
            "Timber and grain led the increase; the Harbour Board expects steady "
            "volumes into next year.",
            "The figures show a harbour doing more with the same quay space.",
            "Behind the tonnage are shift patterns, tide windows and a very old crane.",
        ),
        facts=(
            "The harbour handled {big} tonnes of cargo last quarter.",
            "Timber accounted for about {pct} per cent of the tonnage.",
            "The new crane can lift {n}0 tonnes and uses less energy than the one it replaces.",
            "Ships can only enter the inner basin within two hours of high tide.",
            "The Harbour Board employs {n}0 people directly.",
            "Cargo figures are now published every month instead of every year.",
            "Grain exports rose after the harvest, as they do every autumn.",
            "Most cargo leaves the harbour by rail rather than by road.",
        ),
        headings=("The numbers", "On the quay", "What comes next"),
        quotes=(
            "The tide sets our timetable. Everything else fits around it.",
            "We publish the numbers monthly because people asked, and they were right to.",
            "The new crane is quieter. The neighbours on the quay noticed first.",
        ),
        caption="An abstract illustration of stacked blocks in harbour colours.",
    ),
    Topic(
        key="ferry",
        tags=("Transit", "Harbour"),
        hue=222,
        motif="waves",
        roles=("skipper on the Gull Point ferry", "a ferry commuter"),
        news=(
            "Gull Point ferry adds a {weekday} evening sailing",
            "Electric ferry completes {n} weeks of trials",
            "Ferry fares frozen for another year",
            "New pontoon opens at the {district} ferry stop",
        ),
        analysis=(
            "The ferry that became a commuter service",
            "How the electric ferry trial is going, by the numbers",
            "Why the ferry runs on the tide and not on the clock",
        ),
        standfirsts=(
            "The crossing takes {minutes} minutes and now carries more commuters than tourists.",
            "Trials of the battery-powered vessel have gone better than expected, operators say.",
            "A new pontoon makes boarding step-free at {district} for the first time.",
        ),
        facts=(
            "The ferry carried {big} passengers last month.",
            "The crossing from Gull Point takes about {minutes} minutes.",
            "The electric vessel charges at the quay in under {n}0 minutes.",
            "Bikes travel free on every sailing.",
            "Step-free boarding is now possible at {n} of the ferry's stops.",
            "Winter sailings are timed around the tide at the Old Quay.",
            "Crew have trained on the new vessel since the spring.",
            "Season tickets cost the same as last year.",
        ),
        headings=("On board", "The electric trial", "Timetable changes"),
        quotes=(
            "The only sound on the new boat is the water. Passengers keep mentioning it.",
            "I swapped the car for the ferry and gained twenty minutes of reading a day.",
            "We sail when the water lets us. The timetable is a deal we strike with the moon.",
        ),
        caption="An abstract illustration of a crossing over calm water.",
    ),
    Topic(
        key="market",
        tags=("Food", "Community"),
        hue=48,
        motif="orbs",
        roles=("market manager", "a vegetable grower from Northmoor"),
        news=(
            "Saturday market moves to Beacon Square for the summer",
            "Fish market adds a {weekday} afternoon opening",
            "Market welcomes {n} new stallholders",
            "Covered market roof repaired ahead of winter",
        ),
        analysis=(
            "What sells at the Saturday market, and why",
            "The economics of a market stall in Port Alder",
            "How the fish market prices the morning's catch",
        ),
        standfirsts=(
            "Stallholders say the bigger square brings more room and more customers.",
            "The market now has {n} regular traders, from cheesemakers to bicycle repairers.",
            "Prices are set in minutes at dawn, by a method older than the harbour wall.",
        ),
        facts=(
            "The market has {n} regular stalls and a waiting list.",
            "Footfall on a busy Saturday passes {big} visitors.",
            "Around {pct} per cent of stallholders grow or make what they sell.",
            "The fish auction starts at six, before most of the town is awake.",
            "Pitch fees have not changed for three years.",
            "A community stall is offered free to local charities each week.",
            "The covered market on {street} dates from the 1880s.",
            "Card payments are now accepted at nearly every stall.",
        ),
        headings=("On the stalls", "Setting prices", "The new pitches"),
        quotes=(
            "People come for the vegetables and stay for the conversation.",
            "The fish tells you its own price if you have been doing this long enough.",
            "A market is a small economy you can walk around in ten minutes.",
        ),
        caption="An abstract illustration in market-stall yellows and greens.",
    ),
    Topic(
        key="festival",
        tags=("Culture", "Community"),
        hue=326,
        motif="rays",
        roles=("director of the Lantern Festival", "a lantern maker"),
        news=(
            "Lantern Festival returns to the Old Quay on {weekday}",
            "Festival workshops open for {n} lantern makers",
            "Harbour-side concert series announces its programme",
            "Street theatre weekend planned for {district}",
        ),
        analysis=(
            "How a small town stages a festival for {big} people",
            "The volunteers who make the Lantern Festival happen",
            "What the festival is worth to the local economy",
        ),
        standfirsts=(
            "Hundreds of paper lanterns will be carried from {district} to the water's edge.",
            "Workshops run every {weekday} for anyone who wants to build their own lantern.",
            "Behind the lights are months of planning, a borrowed generator and a lot of glue.",
        ),
        facts=(
            "Last year's festival drew an estimated {big} visitors.",
            "Around {n}0 volunteers help build and steward the procession.",
            "Lanterns are made from willow, tissue paper and battery lights.",
            "The procession leaves {district} at dusk and ends at the Old Quay.",
            "Local businesses reported takings up {pct} per cent on festival weekend.",
            "Workshops are free and materials are provided.",
            "The route is step-free and has quiet areas for those who need them.",
            "The festival began as a single street party more than thirty years ago.",
        ),
        headings=("The procession", "Making the lanterns", "Behind the scenes"),
        quotes=(
            "Everyone carries a light. That is the whole idea, and it still works.",
            "My first lantern collapsed in the rain. I have made one every year since.",
            "We plan for twelve months so it feels effortless for one night.",
        ),
        caption="An abstract illustration of rays of warm light.",
        video_title="The Lantern Festival procession, from above",
    ),
    Topic(
        key="parks",
        tags=("Parks", "Environment"),
        hue=120,
        motif="orbs",
        roles=("head gardener at Tidewater Park", "secretary of the allotment society"),
        news=(
            "Tidewater Park plants {n}0 new trees",
            "Allotment waiting list falls after new plots open in {district}",
            "Playground on {street} reopens with accessible equipment",
            "Wildflower verges to be left uncut until autumn",
        ),
        analysis=(
            "How a coastal park chooses trees that can take the wind",
            "The long wait for an allotment, and how it got shorter",
            "What {n} years of wildflower verges changed",
        ),
        standfirsts=(
            "Gardeners picked salt-tolerant species that will shade the paths within a decade.",
            "Forty new plots on former railway land have cut the queue by a third.",
            "The rebuilt playground was designed with parents and children from {district}.",
        ),
        facts=(
            "The park's gardeners planted {n}0 trees this season.",
            "Species were chosen for their tolerance of salt spray and wind.",
            "The allotment waiting list fell by {pct} per cent this year.",
            "New plots in {district} were laid out on former railway sidings.",
            "Verges along {street} are now cut twice a year instead of monthly.",
            "Volunteers counted {n}0 species of wildflower on a single verge.",
            "The playground has a wheelchair-accessible roundabout and swing.",
            "Watering is done from rainwater tanks behind the glasshouse.",
        ),
        headings=("Choosing the trees", "More plots", "Letting verges grow"),
        quotes=(
            "A tree planted here has to be tougher than a tree planted inland.",
            "The first crop from a new plot is always potatoes. It breaks the ground.",
            "We stopped mowing and the bees found the verges within a month.",
        ),
        caption="An abstract illustration in leafy greens.",
    ),
    Topic(
        key="birds",
        tags=("Environment", "Science"),
        hue=168,
        motif="arcs",
        roles=("warden of the Saltmarsh reserve", "a volunteer bird counter"),
        news=(
            "Seabird count on the point finds {big} nesting pairs",
            "Rare wader spotted on the Saltmarsh reserve",
            "Boardwalk through the marsh reopens after repairs",
            "Volunteers needed for the winter bird survey",
        ),
        analysis=(
            "What the annual seabird count tells us about the bay",
            "Why the saltmarsh matters more than it looks",
            "Counting birds with {n}0 volunteers and a clicker",
        ),
        standfirsts=(
            "Volunteers spent {n} mornings on the cliffs with notebooks and telescopes.",
            "Wardens say the marsh is a nursery for fish as well as a refuge for birds.",
            "The repaired boardwalk lets visitors cross the reserve without disturbing nests.",
        ),
        facts=(
            "This year's count recorded {big} nesting pairs across the colony.",
            "Numbers of terns rose by {pct} per cent compared with last year.",
            "The saltmarsh absorbs wave energy that would otherwise reach {street}.",
            "Volunteers count from fixed points so each year's figures can be compared.",
            "The boardwalk is {n} hundred metres long and step-free.",
            "Dogs must be on leads on the reserve during the nesting season.",
            "The marsh also shelters young fish before they move out to sea.",
            "Survey results are shared with the national bird atlas.",
        ),
        headings=("The count", "Life in the marsh", "How to help"),
        quotes=(
            "A good year on the cliffs is loud. This was a loud year.",
            "The marsh looks like mud to most people. It is the busiest place in town.",
            "You do not need to know the birds. You need to be able to count and be patient.",
        ),
        caption="An abstract illustration of curves like wings over water.",
    ),
    Topic(
        key="heritage",
        tags=("Heritage", "Culture"),
        hue=38,
        motif="arcs",
        roles=("chair of the Port Alder Historical Society", "a stonemason on the project"),
        news=(
            "Old customs house restoration reaches the roof",
            "Lighthouse on the point opens for {n} summer weekends",
            "Historical society digitises {big} photographs of the harbour",
            "Net lofts on {street} listed for protection",
        ),
        analysis=(
            "Restoring the customs house, one stone at a time",
            "What the harbour photographs reveal about the town's past",
            "The case for keeping the net lofts",
        ),
        standfirsts=(
            "Masons are reusing original stone wherever they can; the rest comes from the "
            "same quarry.",
            "The archive, once kept in shoeboxes, is now searchable by street and year.",
            "Visitors can climb the {n}0 steps to the lantern room with a volunteer guide.",
        ),
        facts=(
            "The customs house was built in the 1790s and last restored in the 1950s.",
            "About {pct} per cent of the original stone has been reused.",
            "The society has scanned {big} photographs so far.",
            "The oldest image in the archive shows {street} before the sea wall was built.",
            "The lighthouse tour takes about {minutes} minutes.",
            "Restoration is funded by a heritage grant and local donations.",
            "Apprentice masons from the college are working alongside the contractors.",
            "The archive can be searched free of charge at the library.",
        ),
        headings=("The restoration", "From the archive", "Visiting"),
        quotes=(
            "Every stone has a mark from the mason who cut it. We are adding ours.",
            "People bring us photographs of their grandparents and we find the street.",
            "The building has been patched for two hundred years. We are doing it properly once.",
        ),
        caption="An abstract illustration in sandstone colours.",
    ),
    Topic(
        key="water",
        tags=("Infrastructure", "Environment"),
        hue=196,
        motif="waves",
        roles=("engineer at the water utility", "a resident of {district}"),
        news=(
            "Water main replacement starts on {street}",
            "Reservoir levels stay healthy after a dry month",
            "Leak detection finds {n}0 hidden leaks in {district}",
            "New drinking fountains installed along the seafront",
        ),
        analysis=(
            "Where Port Alder's water comes from, and where it goes",
            "Why replacing old pipes takes so long",
            "How acoustic sensors find leaks under the streets",
        ),
        standfirsts=(
            "Work will move street by street over {n} weeks, with short daytime interruptions.",
            "Engineers listen to the pipes at night, when the town is quiet, to find leaks.",
            "Reservoir levels are above average despite the driest spell in years.",
        ),
        facts=(
            "The pipes being replaced on {street} were laid more than a century ago.",
            "Leak detection has cut water lost from the network by {pct} per cent.",
            "The reservoir is currently at {n}0 per cent of capacity.",
            "Acoustic loggers are attached to valves and listen between 2am and 4am.",
            "Residents will get two days' notice of any interruption.",
            "The fountains are refilled from the mains and cleaned weekly.",
            "The utility supplies {big} homes and businesses across the district.",
            "Work crews will avoid the school run where possible.",
        ),
        headings=("The works", "Finding leaks", "Supply and demand"),
        quotes=(
            "A leak sounds like a hiss you can only hear when the town is asleep.",
            "They told us exactly when the water would be off, and it came back on time.",
            "The cheapest water is the water you stop losing.",
        ),
        caption="An abstract illustration of flowing blue bands.",
    ),
    Topic(
        key="rowing",
        tags=("Sport", "Community"),
        hue=228,
        motif="lines",
        roles=("captain of the Alder Creek Rowing Club", "a first-year rower"),
        news=(
            "Rowing club wins {n} races at the autumn regatta",
            "Harbour regatta returns on {weekday}",
            "Rowing club opens learn-to-row courses for adults",
            "New boathouse pontoon launched at Alder Creek",
        ),
        analysis=(
            "How a small club keeps {n} boats on the water",
            "Why the regatta still matters to the harbour",
            "From beginner to regatta in one season",
        ),
        standfirsts=(
            "Crews from {district} took home medals in the junior and veterans' events.",
            "Beginners' courses run for {n} weeks and end with a row across the bay.",
            "The regatta brings crews from along the coast, and most of the town to the quay.",
        ),
        facts=(
            "The club has about {n}0 active members.",
            "Junior membership grew by {pct} per cent this year.",
            "Boats are launched from the creek at high water only.",
            "The regatta course runs {n} hundred metres from the Old Quay.",
            "Volunteers maintain the club's wooden boats through the winter.",
            "Learn-to-row courses start every {weekday} evening.",
            "Safety launches follow every crew on the open water.",
            "The club lends boats to the school's sports programme.",
        ),
        headings=("On the water", "The regatta", "Learning to row"),
        quotes=(
            "Rowing is the only sport where you win by looking backwards.",
            "I could not swim a length two years ago. Now I am in the bow seat.",
            "The boats are older than most of the crews, and faster than some.",
        ),
        caption="An abstract illustration of oars cutting through water.",
    ),
    Topic(
        key="energy",
        tags=("Energy", "Science"),
        hue=56,
        motif="rays",
        roles=("project lead for the tidal energy test", "bursar at Northmoor school"),
        news=(
            "Tidal energy test buoy moored off {district}",
            "School roof solar panels generate {big} kWh in first year",
            "Community energy group opens share offer",
            "Heat pump trial starts in {n} homes on {street}",
        ),
        analysis=(
            "Can the tide power a small town? The test so far",
            "What one school learned from a year of solar panels",
            "How community energy schemes share the savings",
        ),
        standfirsts=(
            "Engineers will measure how much power the current could produce over {n} months.",
            "The panels covered {pct} per cent of the school's daytime electricity use.",
            "Residents can buy shares from a small amount, with returns paid from "
            "electricity sales.",
        ),
        facts=(
            "The buoy records current speed every {minutes} minutes.",
            "The school's panels produced {big} kilowatt-hours last year.",
            "Solar covered {pct} per cent of the school's daytime demand.",
            "The community energy group has {n}0 members.",
            "The test site was chosen for its strong, predictable currents.",
            "Heat pumps in the trial homes are monitored for a full winter.",
            "Savings from the school roof are spent on science equipment.",
            "Results from the tidal test will be published openly.",
        ),
        headings=("The test", "A year on the roof", "Sharing the benefits"),
        quotes=(
            "The tide is the most predictable energy source there is. It never takes a day off.",
            "The panels paid for a new set of microscopes this year.",
            "We want people to own a small piece of the power station on their roof.",
        ),
        caption="An abstract illustration of sunlight and currents.",
    ),
    Topic(
        key="astronomy",
        tags=("Science", "Community"),
        hue=248,
        motif="stars",
        roles=("member of the Lantern Hill Astronomical Society", "a science teacher"),
        news=(
            "Stargazing evening on Lantern Hill draws {big} people",
            "Meteor shower expected to peak on {weekday} night",
            "Observatory telescope restored after {n} years",
            "Street lights on {street} dimmed to cut glare",
        ),
        analysis=(
            "Why Port Alder still has dark skies, and how to keep them",
            "A beginner's guide to the winter sky over the bay",
            "Restoring a century-old telescope, step by step",
        ),
        standfirsts=(
            "Volunteers set up {n} telescopes on the hill and queued visitors for views of Saturn.",
            "Astronomers recommend heading away from the seafront lights after midnight.",
            "The brass refractor had been in storage since the observatory roof leaked.",
        ),
        facts=(
            "The society runs public observing evenings on the first {weekday} of each month.",
            "Around {big} people attended the last stargazing evening.",
            "The restored telescope dates from the early twentieth century.",
            "Dimmer, warmer street lights have cut sky glare by {pct} per cent.",
            "Up to {n}0 meteors an hour may be visible under clear skies.",
            "Binoculars are enough to see the moons of Jupiter.",
            "The observatory dome on Lantern Hill is open to school groups.",
            "Clear skies are most likely on cold, still nights after a front passes.",
        ),
        headings=("Looking up", "The telescope", "Keeping the dark"),
        quotes=(
            "Children gasp at Saturn's rings every single time. So do the adults.",
            "Lie on your back, let your eyes adjust for twenty minutes, and be patient.",
            "The telescope had not seen the sky for years. It still focuses perfectly.",
        ),
        caption="An abstract illustration of a star field.",
        video_title="Time-lapse: a night sky over Lantern Hill",
    ),
    Topic(
        key="oysters",
        tags=("Coast", "Local economy"),
        hue=176,
        motif="waves",
        roles=("oyster farmer on the estuary", "shellfish researcher at the marine institute"),
        news=(
            "Oyster beds in the estuary pass water quality tests",
            "Fishing fleet lands {big} kilos of crab in a strong week",
            "Native oyster restoration adds {n} new reefs",
            "Harbour fish quay gets a new ice plant",
        ),
        analysis=(
            "Bringing native oysters back to the estuary",
            "What a good crab season means for {district}",
            "The small fleet that still fishes out of Port Alder",
        ),
        standfirsts=(
            "Researchers say the reefs filter water and shelter young fish as they grow.",
            "Skippers say the catch has been steady, with prices holding at the quay.",
            "The fleet is smaller than it was, but its boats are newer and safer.",
        ),
        facts=(
            "Each adult oyster can filter many litres of seawater an hour.",
            "The restoration project has laid {n} reefs of recycled shell.",
            "Water quality at the beds met the highest grade for {n} months in a row.",
            "The fleet landed {big} kilos of crab and lobster last week.",
            "About {pct} per cent of the catch is sold within the county.",
            "The new ice plant means boats no longer queue at dawn.",
            "Young oysters are grown in the hatchery before going into the estuary.",
            "Skippers log their catches on a shared app for researchers.",
        ),
        headings=("On the estuary", "The fleet", "What the reefs do"),
        quotes=(
            "An oyster reef is a water filter, a nursery and a breakwater all at once.",
            "We fish less than our grandparents did and we know far more about it.",
            "The ice plant saves an hour every morning. That is an hour of sleep.",
        ),
        caption="An abstract illustration in estuary blues and shell greys.",
    ),
]

# Sentences that fit any story: the local-news connective tissue.
GENERIC_FACTS = (
    "A public meeting is planned in {district} before the end of the month.",
    "Residents can send comments to the council until the end of next month.",
    "The figures were shared with the Courier ahead of publication.",
    "Council officers said the next update would come in the spring.",
    "The plans can be read in full at the town hall and online.",
    "Local businesses on {street} were consulted during the planning stage.",
    "The work is expected to finish within budget.",
    "Volunteers from across {district} have offered to help.",
    "Similar schemes in neighbouring towns have been watched closely.",
    "A report on the results will be published next year.",
    "The project has been welcomed by the {district} community association.",
    "More information is available from the council's information desk.",
)

REPORT_SOURCES = (
    "Port Alder Council, annual review",
    "Alder Bay Marine Institute, technical note",
    "Port Alder Harbour Board, quarterly report",
    "Community survey of {district} residents",
    "Minutes of the {district} neighbourhood forum",
)

REPORT_QUOTES = (
    "The evidence gathered over the period supports continuing the scheme, with a "
    "review of costs at the end of the year.",
    "Respondents were broadly positive, with most asking for the changes to be extended "
    "to neighbouring streets.",
    "Measured outcomes met or exceeded the targets set at the start of the project.",
    "Further monitoring is recommended before any permanent decision is taken.",
)

SYNDICATION_SOURCES = (
    ("Harbour Wire", "harbour-wire"),
    ("Coastal Science Review", "coastal-science-review"),
    ("Alder Valley Ledger", "valley-ledger"),
)

CORRECTIONS = (
    ("correction", "An earlier version of this article gave the wrong day for the meeting."),
    ("correction", "This article has been updated to correct a figure in the third paragraph."),
    ("correction", "An earlier version misspelled the name of a contributor."),
    ("note", "This article has been updated with comments received after publication."),
    ("note", "This article has been updated to add the latest figures."),
)
