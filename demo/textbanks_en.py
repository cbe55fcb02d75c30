"""English text banks: entities and topic templates (see ``demo.textgen`` for the placeholder syntax)."""

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Daniel", "Karen",
    "Matthew", "Nancy", "Anthony", "Lisa", "Mark", "Sandra", "Steven", "Ashley", "Paul", "Emily",
    "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Rebecca", "George", "Laura",
    "Priya", "Arjun", "Mei", "Wei", "Carlos", "Sofia", "Ahmed", "Fatima", "Olusegun", "Ngozi",
    "Hiroshi", "Yuki", "Liam", "Chloe", "Mateo", "Isabella", "Noah", "Ava", "Ethan", "Grace",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Carter",
    "Patel", "Shah", "Chen", "Wang", "Okafor", "Adeyemi", "Nakamura", "Kowalski", "Novak", "Fischer",
    "O'Brien", "MacLeod", "Lindqvist", "Haddad", "Rossi", "Dubois", "Silva", "Kim", "Park", "Murphy",
]
CITIES = [
    "Springfield", "Riverton", "Fairview", "Lakewood", "Milford", "Ashford", "Brookhaven", "Cedar Falls",
    "Oakridge", "Portsmouth", "Bristol", "Leeds", "Sheffield", "Norwich", "Halifax", "Kingston",
    "Sacramento", "Tucson", "Boise", "Spokane", "Madison", "Duluth", "Savannah", "Asheville",
    "Burlington", "Albany", "Trenton", "Dayton", "Fresno", "Eugene", "Hobart", "Geelong",
    "Wollongong", "Dunedin", "Nanaimo", "Kelowna", "Saskatoon", "Moncton", "Galway", "Cork",
]
STREETS = [
    "14 Maple Avenue", "221 Harbor Road", "9 Elm Street", "1720 Lincoln Boulevard", "48 Chestnut Lane",
    "305 Mill Road", "77 Queen Street", "12 Station Approach", "560 Ridgeway Drive", "3 Orchard Close",
    "1184 Pine Street", "26 Willow Crescent", "410 Market Street", "88 Church Road", "702 Lakeview Terrace",
]
COMPANIES = [
    "Northwind Analytics", "Bluegate Logistics", "Harborline Foods", "Crescent Solar", "Pinecrest Medical",
    "Ironbridge Manufacturing", "Silverleaf Software", "Redwood Freight", "Oakmont Insurance", "Summit Grid",
    "Brightwater Utilities", "Kestrel Robotics", "Meridian Bank", "Larkspur Retail", "Granite Peak Mining",
    "Tidewater Shipping", "Cobalt Semiconductors", "Evergreen Pharma", "Foxglove Media", "Halcyon Airlines",
]
AGENCIES = [
    "the city council", "the county health department", "the state transportation department",
    "the regional water authority", "the school board", "the planning commission", "the parks department",
    "the environmental protection office", "the housing authority", "the fire department",
]
SCHOOLS = [
    "Lincoln High School", "Westbrook Elementary", "Riverside Community College", "St. Mary's Academy",
    "Northgate Middle School", "the University of Fairview", "Eastfield Technical Institute", "Oak Hill Primary",
]
HOSPITALS = [
    "St. Luke's Hospital", "Mercy General", "Riverside Medical Center", "County General Hospital",
    "Lakeside Children's Hospital", "Northshore Clinic", "Valley Regional Hospital",
]
TEAMS = [
    "the Riverton Hawks", "the Fairview Foxes", "the Lakewood Lions", "the Ashford Rovers", "the Milford Mariners",
    "the Cedar Falls Comets", "the Oakridge Pioneers", "the Kingston Kestrels",
]
ROLES = [
    "spokesperson", "director of operations", "chief executive", "senior analyst", "deputy mayor",
    "project manager", "head of research", "chair of the finance committee", "public information officer",
    "county commissioner", "professor of economics", "lead engineer",
]
PRODUCTS = [
    "the X200 router", "a 27-inch monitor", "the new mirrorless camera", "a cordless drill", "the air fryer",
    "a standing desk", "the robot vacuum", "noise-cancelling headphones", "a mesh Wi-Fi kit", "the e-bike",
]
BRANDS = ["Voltra", "Kinsley", "Arcwell", "Nordhaus", "Pellucid", "Quorra", "Tessaro", "Lumio", "Brava", "Orison"]
DISHES = [
    "sourdough", "chicken tikka masala", "ramen broth", "lasagne", "banana bread", "pho", "paella",
    "shakshuka", "beef stew", "dumplings", "focaccia", "lemon tart",
]
PLACES = [
    "Lisbon", "Kyoto", "the Scottish Highlands", "Patagonia", "Vancouver Island", "the Dolomites", "Hanoi",
    "Cape Town", "Reykjavik", "the Amalfi Coast", "Oaxaca", "Tasmania",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
HANDLE_WORDS = ["river", "pixel", "night", "owl", "garden", "retro", "coder", "blue", "wolf", "maple", "tiny",
                "rusty", "solar", "quiet", "lucky", "dusty", "paper", "copper", "storm", "honey"]
MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "example.com", "mail.example.org", "protonmail.com",
                "qq.com", "163.com", "fastmail.fm"]
PKG_PREFIX = ["fast", "py", "tiny", "go", "data", "log", "task", "cloud", "quick", "micro", "open", "flux"]
PKG_SUFFIX = ["queue", "parse", "sync", "cache", "store", "lint", "flow", "router", "bench", "graph", "shard",
              "ctl", "kit", "watch"]
ORGS_GH = ["acme-labs", "openrail", "tinybits", "datacraft", "kestrel-io", "northwind-dev", "quarkworks", "hexa-org"]

DATELINES = ["{city}", "{city}", "{city}, {weekday}", "{city} ({month} {small})"]

NEWS_TOPICS = [
    {
        "titles": [
            "{city} council {approves|passes|signs off on} {money} budget after {long|heated|marathon} debate",
            "Budget vote in {city}: {num} new positions, higher fees for {parking|permits|waste collection}",
        ],
        "leads": [
            "The {city} council voted {small}-{small2} late on {weekday} to approve a {money} operating budget for the coming fiscal year, ending weeks of {debate|argument|negotiation} over {road repairs|library hours|police overtime}.",
            "After {num} hours of public comment, {agency} in {city} adopted a spending plan that {raises|lifts} property taxes by {pct} percent.",
        ],
        "body": [
            "The plan sets aside {money} for road resurfacing, a figure council members said was {overdue|long overdue|the bare minimum} after last winter's potholes.",
            "Residents who spoke at the meeting were {split|divided|sharply divided}, with several asking why library hours were being cut while the city hired {num} new administrative staff.",
            "Officials said rising pension contributions and a {pct} percent increase in health insurance premiums left {little|almost no} room for new programs.",
            "The finance committee had {trimmed|cut|pared back} {money} from the mayor's original proposal, mostly by delaying the purchase of {num} new buses.",
            "Parking fees in the downtown district will rise from $1.50 to $2.25 an hour starting {date}.",
            "The budget also funds {num} additional firefighters, a request the department has made for {small} consecutive years.",
            "Critics argued the city {still|continues to} relies too heavily on one-time federal money that will run out by {year}.",
            "A proposal to {freeze|cap} water rates failed on a {small}-{small2} vote, meaning the average household bill will rise by about ${num} a year.",
            "Council members agreed to revisit the spending plan in {month}, once sales tax figures for the first quarter are available.",
            "The city's reserve fund now stands at {money}, {slightly below|well below|just above} the level recommended by its auditors.",
            "Several speakers urged the council to restore funding for the summer youth jobs program, which served {big} teenagers last year.",
            "The mayor called the compromise \"{responsible|realistic|not perfect, but honest}\" and said she would sign it {this week|by Friday|without delay}.",
        ],
        "quotes": [
            "\"We {heard|listened to} residents, and we made hard choices,\" said {person}, {role} for {agency}.",
            "\"Nobody got everything they wanted, which is usually the sign of a fair budget,\" {person}, a {num}-year resident, told the council.",
        ],
    },
    {
        "titles": [
            "New {bus|light-rail|commuter rail} line {opens|to open} in {city} after {small} years of construction",
            "{city} commuters face {delays|detours} as {bridge|station|tunnel} repairs begin",
        ],
        "leads": [
            "Commuters in {city} will {soon|from {date}} be able to ride a new {light-rail|rapid bus} line linking the downtown station with {city2} in under {num} minutes.",
            "Work to replace the {ageing|aging|century-old} {bridge|viaduct} on the main road into {city} began on {weekday}, and officials warned drivers to expect delays until {month}.",
        ],
        "body": [
            "The {big}-foot span carries roughly {big} vehicles a day, according to {agency}.",
            "Trains will run every {small} minutes at peak times and every {num} minutes in the evening.",
            "The project came in {money} over its original estimate, largely because of {soil problems|utility relocation|steel prices} discovered during construction.",
            "A temporary shuttle bus will stop at {small} locations along the old route while the station is closed.",
            "Cyclists will be directed to a protected lane on {street}, which opened last {month}.",
            "Ridership on the existing line fell by {pct} percent during the pandemic and has only partly recovered.",
            "Transit officials said fares would stay at $2.75 for at least the first year of service.",
            "Businesses along the construction route complained that sales dropped {pct} percent while the street was closed.",
            "Detour signs will be posted at every junction, and real-time updates will be published on the agency's website.",
            "Engineers inspected the structure in {year} and rated its deck in \"poor\" condition.",
            "The new line includes {small} stations, each with level boarding, bike racks and heated shelters.",
            "Night work is planned between 10 p.m. and 5 a.m. to limit disruption during the morning rush.",
        ],
        "quotes": [
            "\"This is the biggest change to how people get around {city} in a generation,\" said {person}, {role} at {agency}.",
            "\"I've been waiting {small} years for this,\" said {first} {last}, who commutes daily from {city2}.",
        ],
    },
    {
        "titles": [
            "Storm {brings|dumps} {small} inches of rain on {city}; {big} without power",
            "{city} cleans up after {overnight|weekend} storm floods underpasses",
        ],
        "leads": [
            "A fast-moving storm swept through {city} overnight, toppling trees, flooding underpasses and leaving about {big} homes without electricity on {weekday} morning.",
            "Residents of {city} spent {weekday} clearing branches and pumping out basements after {small} inches of rain fell in less than six hours.",
        ],
        "body": [
            "Crews from {company} worked through the night and expect to restore power to most customers by {time} on {weekday}.",
            "The National Weather Service recorded gusts of {num} miles per hour at the airport.",
            "Several schools, including {school}, opened {two hours|an hour} late while roads were cleared.",
            "Emergency crews responded to {num} calls for fallen trees and {small} reports of flooded basements.",
            "The river is expected to crest at {small} feet above flood stage late on {weekday}.",
            "Farmers said the rain came too late to help the {wheat|corn|soybean} crop, which had already been stressed by a dry {month}.",
            "Drivers were told to avoid the underpass at {street}, where water reached the top of parked cars.",
            "No serious injuries were reported, though {small} people were treated for minor injuries after a tree fell on a bus shelter.",
            "The storm was the {second|third|fourth} this {month} and followed the wettest spring on record.",
            "Residents can report outages by text or through the utility's app, which showed {big} open cases at noon.",
            "Sandbags are available free of charge at the public works yard for anyone whose home flooded.",
            "Insurance adjusters advised homeowners to photograph damage before throwing anything away.",
        ],
        "quotes": [
            "\"We haven't seen wind like that here since {year},\" said {person}, {role} for {agency}.",
            "\"The basement was dry at midnight and knee-deep by three,\" said {first} {last}, who lives near the river.",
        ],
    },
    {
        "titles": [
            "Heat advisory issued for {city} as temperatures near 10{small} degrees",
            "{city} opens cooling centres as heat wave {drags on|enters fourth day}",
        ],
        "leads": [
            "Forecasters issued a heat advisory for {city} and surrounding counties, warning that temperatures could stay above 9{small} degrees for {small2} days.",
            "With overnight lows barely dipping below 80 degrees, {city} opened {small} cooling centres on {weekday} and extended pool hours.",
        ],
        "body": [
            "Cooling centres will stay open until 9 p.m. at the public library and the community centre on {street}.",
            "Officials urged residents to check on elderly neighbours and to avoid strenuous activity during the hottest part of the day.",
            "{hospital} reported {num} heat-related emergency visits since the start of the week.",
            "The utility asked customers to set thermostats a few degrees higher between 4 and 9 p.m. to ease strain on the grid.",
            "Outdoor workers were advised to take regular breaks in the shade and drink water every 15 minutes.",
            "Several summer camps moved activities indoors, and {school} cancelled afternoon sports practice.",
            "The city's record high of 10{small} degrees was set in {year}.",
            "Pet owners were reminded never to leave animals in parked cars, even with the windows cracked.",
            "Air quality alerts were also issued because heat and still air allow ozone to build up.",
            "Relief is forecast by {weekday}, when a cold front is expected to bring thunderstorms.",
        ],
        "quotes": [
            "\"Heat is the deadliest weather we deal with, and it's the easiest to underestimate,\" said {person}, {role} for {agency}.",
            "\"My apartment has no air conditioning, so I come here to sleep in the afternoon,\" said {first} {last}, {num}, at a cooling centre.",
        ],
    },
    {
        "titles": [
            "{company} {reports|posts} {pct}% {rise|jump|drop} in quarterly revenue",
            "{company} to cut {num}0 jobs as demand {slows|softens}",
            "{company} opens {money} plant in {city}",
        ],
        "leads": [
            "{company} said on {weekday} that revenue for the {first|second|third|fourth} quarter rose {pct} percent from a year earlier, beating analysts' expectations.",
            "{company}, one of the largest employers in {city}, announced plans to {expand|restructure} its operations, a move that will affect about {num}0 workers.",
        ],
        "body": [
            "Shares {rose|climbed|fell|slid} {pct} percent in early trading after the announcement.",
            "The company blamed {higher shipping costs|weaker consumer spending|a strong dollar} for the slowdown in its {European|Asian|domestic} business.",
            "Net income came to {money}, compared with {money2} in the same period last year.",
            "The new facility will employ about {big} people when it reaches full production in {year}.",
            "Executives said they expect demand to recover in the second half of the year as inventories normalise.",
            "Affected employees will receive {num} weeks of severance and help finding new positions, according to an internal memo.",
            "Analysts had expected revenue of {money}, according to a survey of {small} brokerages.",
            "The company also raised its full-year forecast and announced a {money} share buyback.",
            "Local officials offered {money} in tax incentives to secure the plant, a deal that drew criticism from some council members.",
            "Union representatives said they had not been consulted before the announcement and planned to request a meeting.",
            "{company} has invested heavily in automation over the past {small} years, cutting production time per unit by almost a third.",
            "Its order backlog stood at {money} at the end of the quarter, the highest in the company's history.",
        ],
        "quotes": [
            "\"Our teams delivered a strong quarter in a difficult market,\" {person}, the company's {role}, said in a statement.",
            "\"This is a sensible move, but the next two quarters will tell us whether it works,\" said {person}, a {senior analyst|market strategist} at {company2}.",
        ],
    },
    {
        "titles": [
            "{hospital} {adds|opens} {num}-bed wing as emergency visits climb",
            "Flu cases {rise|surge} in {city}; health officials urge vaccination",
        ],
        "leads": [
            "{hospital} in {city} opened a new {num}-bed wing on {weekday}, easing pressure on an emergency department that handled {big} visits last year.",
            "The county health department reported {num}0 confirmed flu cases last week, the highest weekly total since {year}.",
        ],
        "body": [
            "Average waiting times in the emergency room had reached {small} hours during the winter peak.",
            "The wing includes {small} operating theatres and a dedicated paediatric unit.",
            "Health officials said vaccines were still available at pharmacies and at free clinics on {weekday}s.",
            "Hospital administrators said staffing, not space, remains the biggest challenge, with {num} nursing positions unfilled.",
            "The project was funded by a {money} bond approved by voters in {year}.",
            "Doctors recommended that anyone with a fever stay home for at least 24 hours after it breaks.",
            "Visitors are asked to wear masks in patient areas until case numbers fall.",
            "About {pct} percent of adults in the county have received this season's flu vaccine, below the state average.",
            "The hospital has also expanded its telehealth service, which now handles roughly {big} appointments a month.",
            "Schools reported absence rates of up to {pct} percent in some classes last week.",
            "The new wing uses {pct} percent less energy than the older building thanks to heat pumps and better insulation.",
        ],
        "quotes": [
            "\"Every bed we add here is a patient who doesn't wait in a hallway,\" said {hon} {person}, {role} at {hospital}.",
            "\"It's not too late to get vaccinated, and it's the best protection we have,\" said {hon} {person}, the county health officer.",
        ],
    },
    {
        "titles": [
            "{school} {students|robotics team|choir} {wins|takes} state {title|championship|honours}",
            "{city} schools {weigh|consider} later start times",
        ],
        "leads": [
            "A team of {num} students from {school} won the state robotics championship on {weekday}, beating {num2} other schools with a robot built largely from recycled parts.",
            "The {city} school board is considering pushing back the start of the high-school day by {small}0 minutes, citing research on teenage sleep.",
        ],
        "body": [
            "The team spent {small} months designing and testing their machine after school and on weekends.",
            "They will represent the state at the national finals in {city2} in {month}.",
            "Parents at a packed meeting on {weekday} raised concerns about bus schedules and after-school jobs.",
            "A district survey found that {pct} percent of students get less than seven hours of sleep on school nights.",
            "Changing bell times would cost about {money} a year in additional bus routes, according to the district.",
            "The robot can sort objects by colour and weight and climb a ramp in under {num} seconds.",
            "Teachers said the project taught students as much about teamwork as about programming.",
            "The board is expected to vote on the proposal at its {month} meeting.",
            "Local businesses donated {money} to cover travel costs for the national competition.",
            "Districts that made the change elsewhere reported fewer tardies and a small rise in attendance.",
            "The school's robotics program started {small} years ago with four students and a borrowed laptop.",
        ],
        "quotes": [
            "\"They solved problems I couldn't have solved at their age,\" said {person}, the team's faculty adviser.",
            "\"My daughter leaves the house at 6:40 and she's exhausted,\" said {person}, a parent of two.",
        ],
    },
    {
        "titles": [
            "Home prices in {city} {climb|rise|dip} {pct}% as inventory {tightens|grows}",
            "{city} approves {num}0 affordable apartments on former {factory|mall|rail yard} site",
        ],
        "leads": [
            "The median sale price of a single-family home in {city} reached {money} in {month}, up {pct} percent from a year earlier, according to the regional association of realtors.",
            "The planning commission in {city} approved a plan on {weekday} to build {num}0 affordable apartments on the site of a former {factory|shopping mall|rail yard}.",
        ],
        "body": [
            "Homes stayed on the market for an average of {num} days, compared with {num2} days last spring.",
            "First-time buyers are being squeezed by mortgage rates that remain near {small} percent.",
            "The development will reserve units for households earning less than {pct} percent of the area median income.",
            "Neighbours raised concerns about traffic and parking during a public hearing that ran past midnight.",
            "Only {big} homes were listed for sale last month, the lowest figure for that month in a decade.",
            "Rents rose more slowly, climbing {pct} percent over the year, as new apartment buildings opened downtown.",
            "The developer, {company}, said construction could begin as early as {month} and take about {small}0 months.",
            "The site had been vacant since {year}, when the previous owner closed the plant and moved production overseas.",
            "Realtors said bidding wars have become less common, but well-priced homes still sell within a week.",
            "The project includes a ground-floor grocery store and a small park along {street}.",
            "Property tax assessments are expected to rise next year as a result of the higher sale prices.",
        ],
        "quotes": [
            "\"Buyers are more careful now; they're not waiving inspections the way they were in {year},\" said {person}, a broker with {company}.",
            "\"We need homes that teachers and nurses can actually afford,\" said {person}, {role} of the commission.",
        ],
    },
    {
        "titles": [
            "Volunteers {pull|haul} {num}00 pounds of trash from {city} river",
            "{city} launches {curbside composting|tree-planting|bike-share} program",
        ],
        "leads": [
            "More than {num}0 volunteers spent {weekday} morning wading along the riverbank in {city}, collecting shopping carts, tyres and {big} plastic bottles.",
            "{city} will begin a citywide {curbside composting|tree-planting|bike-share} program in {month}, officials announced on {weekday}.",
        ],
        "body": [
            "Water quality tests last summer found bacteria levels above safe swimming limits on {num} days.",
            "Households will receive a {small}-gallon green bin and a kitchen caddy at no extra charge.",
            "The city aims to plant {big} trees over the next {small} years, focusing on neighbourhoods with the least shade.",
            "Organisers said the amount of trash has dropped since a bottle deposit scheme began in {year}.",
            "Food scraps make up roughly {pct} percent of what residents currently throw away, according to a waste audit.",
            "The program is funded by a {money} state grant and will be reviewed after its first year.",
            "Volunteers also spotted herons and a family of otters, a sign the river is recovering.",
            "Compost produced from the scheme will be offered free to residents each spring.",
            "The cleanup was organised by a local rowing club together with {agency}.",
            "Bike-share stations will be installed at {num} locations, including the train station and {school}.",
        ],
        "quotes": [
            "\"Ten years ago you wouldn't have put your hand in this water,\" said {person}, who has organised the cleanup since {year}.",
            "\"Small habits add up when a whole city does them,\" said {person}, {role} for {agency}.",
        ],
    },
    {
        "titles": [
            "{team} {edge|beat|stun} rivals {small}-{small2} in {overtime|season opener|derby}",
            "{team} name {person} as new head coach",
        ],
        "leads": [
            "{team} came from behind to win {small}-{small2} on {weekday} night in front of a sellout crowd of {big}.",
            "{team} have appointed {person}, a former assistant with {team2}, as head coach on a {small}-year contract.",
        ],
        "body": [
            "The winning goal came with {small} minutes left, a low shot that slipped under the goalkeeper's glove.",
            "The result lifts the team to {second|third|fifth} place in the standings with {num} games remaining.",
            "The new coach is known for a high-pressing style and for developing young players.",
            "The team's captain left the game in the first half with a knee injury and will have scans on {weekday}.",
            "Attendance has risen by {pct} percent since the club moved to its new stadium in {year}.",
            "Tickets for the home playoff game go on sale on {date} and are expected to sell out within hours.",
            "The club said it would announce the rest of the coaching staff before preseason training begins in {month}.",
            "A {num}-year-old rookie scored twice in his first start, drawing chants from the home crowd.",
            "The previous coach left in {month} after a run of {small} straight losses.",
            "Both teams struggled in the rain, and the first half ended without a shot on target.",
        ],
        "quotes": [
            "\"We kept believing, and the crowd carried us at the end,\" said {person}, who scored the winner.",
            "\"This club has a proud history and I want us to play with energy and courage,\" {person} said at an introductory news conference.",
        ],
    },
    {
        "titles": [
            "{school} researchers {develop|unveil|test} {cheaper battery|new water filter|crop sensor}",
            "Astronomers at {school} spot {rare|distant} {comet|supernova|exoplanet}",
        ],
        "leads": [
            "Researchers at {school} say they have developed a {battery|water filter|soil sensor} that could cost {pct} percent less to produce than current designs.",
            "A team of astronomers at {school} has detected a {distant supernova|rare comet|Jupiter-sized exoplanet} using a telescope that is more than {num} years old.",
        ],
        "body": [
            "The findings were published this week in a peer-reviewed journal and have not yet been tested outside the laboratory.",
            "The team used data collected over {small} years and checked it against observations from two other observatories.",
            "The prototype survived {big} charging cycles while keeping {pct} percent of its capacity.",
            "Funding came from a {money} federal grant and a partnership with {company}.",
            "Students helped build the instrument as part of an undergraduate research course.",
            "Other scientists cautioned that scaling up the process could prove difficult and expensive.",
            "The object is roughly {big} light-years away and was first noticed as a faint change in brightness.",
            "The researchers plan to test the design in rural communities in {month}.",
            "The university has filed a patent application and is talking to manufacturers about licensing.",
            "The observatory will hold a public viewing night on {date} if skies are clear.",
        ],
        "quotes": [
            "\"We were surprised by how well it held up,\" said {hon} {person}, who led the study.",
            "\"Science like this is a reminder that old instruments still have a lot to teach us,\" said {person}, {role} at {school}.",
        ],
    },
]

FORUM_TOPICS = [
    {
        "titles": [
            "Mesh Wi-Fi keeps dropping {every evening|every few hours|at random} — ideas?",
            "Upgraded to fibre, speeds still stuck at {num}0 Mbps",
        ],
        "openers": [
            "Long-time lurker, first post. I've been fighting my home network for {small} weeks and I'm out of ideas.",
            "Hoping someone here has seen this before, because my ISP's support line has not been helpful.",
        ],
        "body": [
            "The setup is a {brand} mesh kit with {small} nodes, one in the hallway and one upstairs.",
            "Wired speed tests from the router give around {num}0 Mbps, but over Wi-Fi I rarely see more than {num} Mbps.",
            "I've already tried changing the channel, turning off band steering and updating the firmware to {version}.",
            "The drops seem to happen {mostly in the evening|when the microwave is on|whenever someone starts a video call}.",
            "The logs show the satellite node losing its backhaul connection for about {num} seconds at a time.",
            "My neighbour's network is on the same channel and shows up at almost full strength in the analyser app.",
            "I also swapped the ethernet cable between the modem and router, which made no difference.",
            "Devices on the 5 GHz band are fine; it's mostly the older laptops and smart plugs on 2.4 GHz that lose connection.",
            "The ISP says the line is clean and the modem shows no errors on their side.",
            "Rebooting everything fixes it for a day or two, then it starts again.",
        ],
        "questions": [
            "Is it worth running a cable to the second node, or is this a sign the kit is just faulty?",
            "Would a separate access point be better than another mesh node? Any recommendations under $150?",
        ],
    },
    {
        "titles": [
            "My {dish} keeps coming out {dense|flat|bland} — what am I doing wrong?",
            "Best way to make {dish} ahead for a party of {num}?",
        ],
        "openers": [
            "Okay, I need help from people who actually know what they're doing in the kitchen.",
            "Third attempt this month and I'm starting to take it personally.",
        ],
        "body": [
            "I'm following a recipe from a well-known blog and weighing everything on a digital scale.",
            "My kitchen is fairly cold, around {temp} degrees, which might be slowing things down.",
            "I let it rest for {small} hours, but it barely rises compared with the photos.",
            "The flavour is fine, just flat, like something is missing underneath.",
            "I used {brand} flour this time instead of the supermarket brand, which didn't change much.",
            "My oven runs about 15 degrees hot according to a cheap thermometer I bought.",
            "The first time I added too much salt, so the second time I halved it and it tasted of nothing.",
            "We're hosting {num} people on {weekday} and I'd rather not be cooking all afternoon.",
            "Someone at work suggested freezing it and reheating, but I'm worried about the texture.",
            "I don't have a stand mixer, so everything is by hand.",
        ],
        "questions": [
            "Any tips on what to change first? Temperature, hydration, timing?",
            "Has anyone frozen {dish} successfully, and how long did you reheat it?",
        ],
    },
    {
        "titles": [
            "Commuting {num} miles by bike — which {tyres|lights|panniers} are worth it?",
            "Knee pain after long rides, saddle height or something else?",
        ],
        "openers": [
            "I started commuting by bike in {month} and I'm hooked, but a few things are bothering me.",
            "Quick question for the experienced riders here.",
        ],
        "body": [
            "My route is about {num} miles each way, mostly on a canal path with some busy roads at the end.",
            "I've had {small} punctures in a month, all on the rear wheel.",
            "The pain is on the outside of the knee and starts after about an hour.",
            "I had a basic fitting at the shop when I bought the bike, but I've moved the saddle since.",
            "In winter it's dark both ways, so I want lights that people actually notice.",
            "The bike is a {brand} hybrid with 35 mm tyres and mudguards.",
            "I carry a laptop and a change of clothes, which is a lot for a backpack.",
            "Some days I ride with a group from the office, and they go faster than I'd like.",
            "I've read that cleats can cause knee trouble, but I'm still on flat pedals.",
        ],
        "questions": [
            "Which would you upgrade first if you had about $200 to spend?",
            "Should I raise or lower the saddle, and by how much at a time?",
        ],
    },
    {
        "titles": [
            "Tomato leaves turning yellow from the bottom up",
            "First year with a vegetable garden — what would you do differently?",
        ],
        "openers": [
            "Complete beginner here, so apologies if this is obvious.",
            "Our allotment finally came through after {small} years on the waiting list!",
        ],
        "body": [
            "The plot is about {num} by {num2} feet and gets sun from late morning.",
            "The lower leaves started yellowing {small} weeks ago and now it's spreading up the stems.",
            "I water every evening, maybe a bit too much during the heatwave.",
            "The soil is heavy clay, and I dug in a few bags of compost in {month}.",
            "Slugs ate nearly all of the lettuce seedlings in one night.",
            "I've got {small} varieties of tomatoes, two of which were grown from seed on the windowsill.",
            "The neighbouring plot uses a lot of manure and their plants look amazing.",
            "I'm trying to avoid chemical sprays because our kids help out.",
            "There are small brown spots on some leaves as well, with a yellow ring around them.",
        ],
        "questions": [
            "Is this a watering problem or some kind of blight? Should I pull the plants?",
            "If you were starting again, what would you plant in the first year?",
        ],
    },
    {
        "titles": [
            "Check engine light on {year} hatchback — code P0{num}1",
            "Brakes squeal only in the morning, normal?",
        ],
        "openers": [
            "Not a car person, so bear with me.",
            "Before I pay the dealer again, I'd like a second opinion.",
        ],
        "body": [
            "The car has about {big} miles on it and has been reliable until now.",
            "The light came on after I filled up, and the car seems to drive normally.",
            "I had the code read at an auto parts store for free.",
            "The noise goes away after the first few stops, especially on damp mornings.",
            "The dealer quoted {money} to replace the sensor plus an hour of labour.",
            "I tightened the fuel cap and cleared the code, but it came back after {small} days.",
            "The pads were replaced about {num} thousand miles ago.",
            "Fuel economy has dropped slightly, from around {num} to {num2} miles per gallon.",
            "I do mostly short trips, under ten minutes each.",
        ],
        "questions": [
            "Is this something I can safely ignore for a few weeks?",
            "Would an independent garage be much cheaper for this kind of job?",
        ],
    },
    {
        "titles": [
            "Emergency fund first or pay off the car loan?",
            "Is {pct}% on a savings account actually good right now?",
        ],
        "openers": [
            "Looking for some sanity checks on our finances.",
            "I'm {num} and only just started taking money seriously.",
        ],
        "body": [
            "Take-home pay is around {big} a month between the two of us.",
            "The car loan has {num} months left at {small}.{small2} percent.",
            "We have roughly two months of expenses in a current account earning nothing.",
            "My employer matches pension contributions up to {small} percent, which I'm not using fully yet.",
            "We'd like to buy a house in {small} years but prices in {city} keep climbing.",
            "Credit card balances are paid off in full each month.",
            "A colleague keeps telling me to put everything into index funds.",
            "The savings account I found pays {pct} percent but limits withdrawals to three a year.",
        ],
        "questions": [
            "What order would you tackle this in?",
            "Am I missing something obvious, or is this a reasonable plan?",
        ],
    },
    {
        "titles": [
            "New build stutters in {every game|some games} despite {num}0 fps average",
            "GPU fans ramp up at idle — worth worrying about?",
        ],
        "openers": [
            "Just finished my first PC build and mostly thrilled, except for one thing.",
            "Posting here because the manufacturer's forum is a ghost town.",
        ],
        "body": [
            "Average frame rates look great, but every {num} seconds or so there's a noticeable hitch.",
            "Temperatures sit around {num}0 degrees under load, which seems fine.",
            "I've reinstalled the graphics driver with a clean install and reset the BIOS to defaults.",
            "Memory is running at the rated speed after enabling the XMP profile.",
            "The stutter is worst in open-world games and barely noticeable in older titles.",
            "The fans spin up and down every few seconds even on the desktop.",
            "The power supply is a {num}0-watt unit from a reputable brand.",
            "Storage is a single NVMe drive with about {pct} percent free space.",
        ],
        "questions": [
            "Anything else I should check before returning parts?",
            "Is a custom fan curve the answer, or is something wrong with the card?",
        ],
    },
    {
        "titles": [
            "Toddler refuses to sleep in own bed — what worked for you?",
            "How much screen time do your {small}-year-olds actually get?",
        ],
        "openers": [
            "We're running on about four hours of sleep a night and could use some encouragement.",
            "Honest answers only, please, no judgement here.",
        ],
        "body": [
            "Our son is {small} and has always been a light sleeper.",
            "Bedtime starts at 7 with a bath, two books and a song.",
            "He falls asleep fine but ends up in our bed by {small} a.m. every night.",
            "We tried a reward chart for {small} weeks and it worked for exactly three nights.",
            "Both of us work, so the evenings are short and a bit chaotic.",
            "Weekdays it's about an hour, mostly while I'm cooking dinner.",
            "Grandparents are much more relaxed about it, which causes some friction.",
            "The paediatrician said this is very common and not to worry too much.",
        ],
        "questions": [
            "Did anything actually work for you, or did they just grow out of it?",
            "Where do you draw the line, and how do you enforce it?",
        ],
    },
]

FORUM_SIGNOFFS = [
    "Thanks in advance!", "Cheers.", "Any help appreciated.", "Edit: typo.", "Thanks for reading this far.",
    "Will report back with whatever works.", "— {handle}",
]

HOSTILE = [
    "You are a complete idiot and everyone in this thread knows it.",
    "Nobody asked for your garbage opinion, so shut up and go away.",
    "People like you are the reason this forum has gone to trash.",
    "Honestly, you're too stupid to be worth arguing with.",
    "What a pathetic loser, crying on the internet because someone disagreed with you.",
    "Go crawl back under whatever rock you came from, you worthless clown.",
    "Your kind isn't welcome here, and nobody wants you around.",
    "Get lost, {handle}. Everything you post is moronic trash.",
    "Shut your stupid mouth before you embarrass yourself even more.",
    "You're a disgusting, lying little troll and you should be banned.",
    "I hope you lose everything, you spineless piece of garbage.",
    "Imagine being this brainless and still typing with confidence.",
    "Typical braindead take from a typical braindead idiot.",
    "Every single one of you people is a parasite and this town would be better without you.",
    "Go back to where you came from, nobody here wants your kind.",
    "Keep talking, clown, it just proves how worthless you are.",
]

BLOG_TOPICS = [
    {
        "titles": ["{small} days in {place}: what I'd do again (and what I'd skip)", "Slow travel in {place} on a budget"],
        "openers": [
            "I've put off writing this post since I got back from {place} in {month}, mostly because I didn't know where to start.",
            "This trip was a long time coming, and it turned out nothing like I planned.",
        ],
        "body": [
            "We stayed in a small guesthouse run by a retired teacher who insisted on making breakfast every morning.",
            "The first two days it rained without stopping, so we spent a lot of time in museums and cafés.",
            "Public transport was cheaper and more reliable than I expected, and a {small}-day pass covered almost everything.",
            "The most memorable meal was a plate of {dish} at a place with no menu and four tables.",
            "If I went again, I'd skip the famous viewpoint; it was packed with tour buses by 9 a.m.",
            "We walked about {num} kilometres a day, which my knees complained about by the end.",
            "Booking the night train {small} weeks ahead saved us nearly half the fare.",
            "A local guide showed us a trail along the coast that isn't in any of the guidebooks.",
            "Budget-wise, we spent around {big} in total, including flights.",
            "I learned enough of the language to order coffee and apologise, which went a long way.",
        ],
        "closers": ["Next up: the photo dump I promised. Thanks for reading!", "If you've been, tell me what I missed in the comments."],
    },
    {
        "titles": ["The {dish} recipe I keep coming back to", "Weeknight {dish} in under {num} minutes"],
        "openers": [
            "This is the recipe my family requests most often, and it took me about {small} years to get it right.",
            "I know, I know — another {dish} recipe. Hear me out.",
        ],
        "body": [
            "The trick is to brown everything in batches so nothing steams in the pan.",
            "I use less sugar than most versions because I prefer it a little sharp.",
            "You can make the base a day ahead; it actually tastes better the next morning.",
            "If you can't find fresh herbs, a teaspoon of dried works, but add it earlier.",
            "My grandmother made this with whatever was left in the fridge on {weekday}s.",
            "Don't skip the resting time; it makes the texture so much better.",
            "It freezes well for up to {small} months in an airtight container.",
            "For a vegetarian version, swap the stock for mushroom broth and add a splash of soy sauce.",
            "Serve it with crusty bread or plain rice, and something green on the side.",
        ],
        "closers": ["Let me know if you try it!", "Happy cooking, and see you next week."],
    },
    {
        "titles": ["What {small} months of running taught me", "Training for my first half marathon"],
        "openers": [
            "When I started running in {month}, I couldn't jog for five minutes without stopping.",
            "A year ago I would have laughed if you told me I'd sign up for a race.",
        ],
        "body": [
            "I followed a beginner plan with three short runs a week and one longer one on {weekday}s.",
            "My biggest mistake was buying shoes based on how they looked.",
            "Running slowly felt pointless at first, but it's the reason I didn't get injured.",
            "I track everything in a spreadsheet, partly out of habit and partly because I like the graphs.",
            "The long runs are where I do my best thinking.",
            "I missed {small} weeks in the middle with a sore calf and had to rebuild slowly.",
            "Race day was cold, crowded and one of the best mornings I've had in years.",
            "I finished in {small} hours and {num} minutes, and I've already signed up for another.",
        ],
        "closers": ["If you're thinking about starting, start small. That's the whole secret.", "See you on the trails."],
    },
    {
        "titles": ["Books I read in {month}", "A year of reading: my top {small}"],
        "openers": ["Another month, another stack of library books.", "I set a goal of {num} books this year and somehow hit it."],
        "body": [
            "The standout was a quiet novel about a family running a ferry service on a remote island.",
            "I finally read the classic everyone kept recommending, and it deserved the hype.",
            "A history of {place} turned out to be more gripping than most thrillers.",
            "I abandoned two books halfway through and don't feel guilty about it.",
            "Audiobooks have made my commute far more bearable.",
            "My book club argued for {small} hours about the ending of our last pick.",
            "I'm trying to read more translated fiction, which has been eye-opening.",
            "The science book I started in {month} is still sitting on the nightstand with a bookmark at page {num}.",
        ],
        "closers": ["What should I read next? Recommendations welcome.", "Until next month, happy reading."],
    },
]

QA_INTROS = [
    "Customer questions about the {product}, answered by our support team and verified owners.",
    "Below are the most common questions we receive about the {product}.",
]

QA_PRODUCTS = [
    {
        "name": "Electric Kettle 1.7L",
        "qa": [
            ("Does the kettle have an automatic shut-off?", "Yes. It switches off when the water boils and when it is lifted from the base."),
            ("Is the inside plastic or metal?", "The inner chamber is stainless steel; the lid has a plastic hinge that does not touch the water."),
            ("How long does it take to boil a full kettle?", "About {small} minutes for 1.7 litres on a 230 V supply."),
            ("Can I set a specific temperature for green tea?", "Yes, there are presets at 70, 80, 90 and 100 °C, and it keeps water warm for 30 minutes."),
            ("Is it loud?", "Most owners describe it as quieter than older kettles, though it does rumble just before boiling."),
            ("How do I descale it?", "Fill it halfway with equal parts water and white vinegar, boil, leave for an hour and rinse twice."),
        ],
    },
    {
        "name": "Robot Vacuum S7",
        "qa": [
            ("Will it work on thick carpets?", "It handles low and medium pile well; on deep shag rugs it may get stuck on the edges."),
            ("Does it need Wi-Fi to work?", "No. You can start it with the button, but scheduling and room maps need the app and a 2.4 GHz network."),
            ("How long does the battery last?", "Roughly {num}0 minutes on the standard setting, enough for about 120 square metres."),
            ("Can it go over door thresholds?", "It climbs thresholds up to 2 cm high."),
            ("Is it good with pet hair?", "Yes, the rubber brush tangles less than bristle brushes, but empty the bin after each run."),
            ("Where can I buy replacement filters?", "Filters are sold in packs of three on our website and at most large retailers."),
        ],
    },
    {
        "name": "Wireless Headphones H3",
        "qa": [
            ("Can I connect to two devices at once?", "Yes, multipoint pairing lets you connect a phone and a laptop at the same time."),
            ("How good is the noise cancelling on planes?", "It removes most engine hum; voices are reduced but still audible."),
            ("Do they fold flat?", "The ear cups rotate flat and the case is about 4 cm thick."),
            ("What is the battery life?", "Up to {num} hours with noise cancelling on; a 10-minute charge gives about 5 hours."),
            ("Can I use them with a wired cable?", "Yes, a 3.5 mm cable is included and works even when the battery is empty."),
            ("Are the ear pads replaceable?", "Yes, they clip off and replacement pads are available in two sizes."),
        ],
    },
    {
        "name": "Standing Desk Frame",
        "qa": [
            ("What is the maximum load?", "The dual-motor frame lifts up to {num}0 kg evenly distributed."),
            ("How loud is the motor?", "About 45 dB, similar to a quiet conversation."),
            ("Does it wobble at full height?", "There is slight side-to-side movement at the highest setting, less with the crossbar installed."),
            ("Can I use my own desktop?", "Yes, any top between 120 and 180 cm wide and at least 2 cm thick will fit."),
            ("How long does assembly take?", "Most customers finish in about 45 minutes with two people."),
            ("Does it remember heights?", "The control panel stores four preset heights."),
        ],
    },
]

PUBLIC_PAGES = [
    {
        "titles": ["Library opening hours and holiday closures", "{city} Public Library: services and hours"],
        "body": [
            "The central library is open Monday to Friday from 9 a.m. to 8 p.m. and on Saturdays from 10 a.m. to 5 p.m.",
            "All branches will be closed on public holidays and will reopen at the usual time the following day.",
            "Items due during a closure can be returned on the next opening day without a late fee.",
            "Free Wi-Fi and public computers are available at every branch; sessions are limited to {small} hours per day.",
            "Library cards are free for anyone who lives, works or studies in {city}.",
            "The book drop outside the main entrance is emptied every morning at 8 a.m.",
            "Study rooms can be booked up to {small} days in advance online or at the front desk.",
            "Children's story time runs every {weekday} at 10:30 a.m. and no booking is needed.",
        ],
    },
    {
        "titles": ["Recycling guide: what goes in which bin", "Bulky waste collection in {city}"],
        "body": [
            "Blue bins are for clean paper, cardboard, metal cans and plastic bottles with the lids on.",
            "Glass goes in the separate green crate and should be rinsed before collection.",
            "Food waste, including bones and coffee grounds, belongs in the brown caddy.",
            "Bulky items such as sofas and mattresses can be collected for a fee of ${num}; book at least a week ahead.",
            "Batteries and small electrical items must never go in household bins because they can start fires in collection trucks.",
            "Collection day moves back by one day in any week with a public holiday.",
            "The recycling centre on {street} accepts garden waste, wood and scrap metal free of charge for residents.",
            "Contaminated recycling bins may be left unemptied with a tag explaining the problem.",
        ],
    },
    {
        "titles": ["Park closures and trail conditions", "Visiting {place} National Park: know before you go"],
        "body": [
            "The north loop trail is closed until further notice due to storm damage and fallen trees.",
            "Parking at the main trailhead fills up by 9 a.m. on weekends; a shuttle runs from the visitor centre every {small}0 minutes.",
            "Dogs are welcome on the lower trails but must be kept on a leash at all times.",
            "Fires are permitted only in designated fire rings, and all fires are banned during high-risk periods.",
            "Carry at least two litres of water per person on longer hikes, as there are no refill points after the first mile.",
            "The visitor centre is open daily from 8 a.m. to 6 p.m. between April and October.",
            "Camping permits are required for overnight stays and can be reserved up to {small} months ahead.",
            "Please stay on marked paths to protect nesting birds between March and July.",
        ],
    },
]

PUBLIC_CLOSERS = [
    "For more information, call the information line during office hours.",
    "This page was last reviewed in {month} {year}.",
    "Information on this page may change at short notice; check back before you travel.",
]

TECHDOC_KINDS = [
    {
        "paths": ["README.md", "docs/index.md"],
        "header": "# {pkg}\n\n`{pkg}` is a small {lang} library for {parsing structured logs|rate-limiting HTTP clients|syncing files to object storage|scheduling background jobs}. It has no runtime dependencies beyond the standard library and is used in production at {company}.",
        "sections": [
            ("Installation", [
                "```bash\npip install {pkg}=={version}\n```\n\nPython 3.9 or newer is required. Wheels are published for Linux, macOS and Windows.",
                "```bash\ngo get github.com/{repo}@v{version}\n```\n\nThe module follows semantic versioning; breaking changes only happen in major releases.",
            ]),
            ("Quick start", [
                "```python\nfrom {pkg} import Client\n\nclient = Client(timeout=30, retries={small})\nfor event in client.stream(\"events\"):\n    print(event.id, event.kind)\n```\n\nThe client reconnects automatically and resumes from the last acknowledged event.",
                "Create a config file, point the tool at it and run:\n\n```bash\n{pkg} --config ./{pkg}.toml run --workers {small}\n```\n\nLogs go to standard error in JSON format so they can be collected by any log shipper.",
            ]),
            ("Configuration", [
                "All settings can be given in `{pkg}.toml` or as environment variables prefixed with `{pkg}_`:\n\n| key | default | meaning |\n| --- | --- | --- |\n| `workers` | `4` | number of concurrent workers |\n| `batch_size` | `500` | records per batch |\n| `listen` | `0.0.0.0:{port}` | address of the metrics endpoint |",
                "```yaml\nserver:\n  port: {port}\n  read_timeout: 15s\nstorage:\n  bucket: {pkg}-artifacts\n  region: eu-west-1\n```\n\nValues from the environment override values from the file.",
            ]),
            ("Contributing", [
                "Pull requests are welcome. Please run `make lint test` before opening one and add a changelog entry under `Unreleased`.",
                "Open an issue first for anything larger than a bug fix so we can agree on the design. All contributors must sign off their commits (DCO).",
            ]),
            ("Performance", [
                "On a {small}-core laptop `{pkg}` processes about {big} records per second with the default settings; most of the time goes to JSON decoding.",
                "Memory use stays flat at around {num}0 MB regardless of input size because records are streamed, never loaded all at once.",
            ]),
        ],
    },
    {
        "paths": ["docs/deploy.md", "docs/operations/runbook.md"],
        "header": "# Deploying {pkg}\n\nThis guide describes how we run `{pkg}` in production: {small} replicas behind a load balancer, with PostgreSQL for state and Redis for the job queue.",
        "sections": [
            ("Prerequisites", [
                "- Kubernetes 1.27 or newer\n- A PostgreSQL 15 database with the `pgcrypto` extension\n- A Redis instance reachable on port 6379\n- Credentials stored in the cluster secret store (never in the manifest)",
                "You need access to the `{pkg}-prod` namespace and to the container registry. Ask in #platform if you don't have it.",
            ]),
            ("Rolling out a release", [
                "1. Tag the release: `git tag v{version} && git push --tags`.\n2. Wait for CI to publish the image.\n3. Run `helm upgrade {pkg} ./chart --set image.tag=v{version}`.\n4. Watch the error-rate dashboard for {num} minutes before announcing the release.",
                "Releases go out on {weekday}s only. Each rollout replaces one pod at a time and waits for the readiness probe on `/healthz` before continuing.",
            ]),
            ("Database migrations", [
                "Migrations run as a Kubernetes job before the new pods start. They must be backwards compatible: add columns first, backfill, and drop old columns in a later release.",
                "Run `{pkg} migrate --dry-run` locally against a snapshot to see the SQL that will be executed.",
            ]),
            ("Troubleshooting", [
                "If pods crash-loop with `connection refused`, check that the database secret was rotated in both namespaces.\n\nHigh queue latency usually means a stuck worker; `kubectl rollout restart deploy/{pkg}-worker` clears it.",
                "Set `LOG_LEVEL=debug` on a single pod to get request-level logs. Remember to set it back; debug logging doubles CPU use.",
            ]),
        ],
    },
    {
        "paths": ["CHANGELOG.md"],
        "header": "# Changelog\n\nAll notable changes to `{pkg}` are documented here. The format follows Keep a Changelog.",
        "sections": [
            ("[{version}] - {year}-0{small}-1{small2}", [
                "### Added\n- `--dry-run` flag for the `sync` command\n- Support for {lang} 3.12\n\n### Fixed\n- Retries no longer double-count failed requests (#{num}{small})\n- Config files with a BOM are now parsed correctly",
                "### Changed\n- Default batch size raised from 200 to 500\n- Timeouts are now given in seconds everywhere\n\n### Removed\n- The deprecated `legacy_mode` option",
            ]),
            ("[{version2}] - {year}-1{small}-0{small2}", [
                "### Fixed\n- Memory leak when a connection was closed during a retry\n- Crash on empty input files",
                "### Security\n- Updated the TLS library to fix a certificate validation issue",
            ]),
        ],
    },
    {
        "paths": ["docs/faq.md", "docs/troubleshooting.md"],
        "header": "# Frequently asked questions about {pkg}",
        "sections": [
            ("Why does the first run take so long?", [
                "On the first run `{pkg}` builds an index of every file it has to track. For a repository with {big} files this takes a few minutes; later runs only look at changed files.",
            ]),
            ("Can I run several instances against the same bucket?", [
                "Yes, as long as each instance uses its own prefix. Two instances writing to the same prefix will overwrite each other's manifests.",
            ]),
            ("How do I report a security issue?", [
                "Please do not open a public issue. Email the maintainers at the address listed in SECURITY.md and we will answer within {small} working days.",
            ]),
            ("Which platforms are supported?", [
                "Linux (x86-64 and ARM64), macOS 12+ and Windows 10+. Other platforms may work but are not tested in CI.",
            ]),
        ],
    },
]

LICENSE_MIT = """MIT License

Copyright (c) {year} {person}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""

LICENSE_APACHE_HEADER = """Copyright {year} {company}

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License."""

LICENSE_GPL3_NOTICE = """{pkg} is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

{pkg} is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details."""

API_VERBS = ["load", "parse", "fetch", "flush", "open", "close", "sync", "merge", "validate", "render", "encode", "decode",
             "retry", "schedule", "compact", "export", "import", "resolve", "watch", "prune"]
API_NOUNS = ["config", "batch", "record", "stream", "snapshot", "index", "manifest", "token", "session", "segment",
             "schema", "queue", "bucket", "checkpoint", "partition", "event", "cursor", "shard", "template", "report"]
API_ARGS = ["path", "timeout=30", "retries=3", "*, strict=False", "limit=None", "encoding=\"utf-8\"", "dry_run=False",
            "workers=4", "callback=None", "since=None"]
API_EFFECTS = [
    "Returns the number of {records|bytes|items} written.", "Raises `ValueError` when the input is malformed.",
    "Safe to call from several threads.", "Blocks until the operation finishes or the timeout expires.",
    "Idempotent: calling it twice has no extra effect.", "Yields results lazily, so memory stays flat.",
    "Deprecated since {version}; use the async variant instead.", "Added in {version}.",
]
FEATURES = [
    "Streams input of any size with constant memory", "Pluggable storage backends: local disk, S3, GCS and Azure Blob",
    "Structured JSON logs with request ids", "Automatic retries with exponential back-off and jitter",
    "Prometheus metrics on `/metrics`", "Hot reload of configuration without dropping connections",
    "Zero-copy parsing of {CSV|JSON|Parquet} input", "Type hints everywhere; passes `mypy --strict`",
    "Works offline: no telemetry, no network calls at import time", "Resumable transfers after network failures",
    "Rate limiting per {tenant|API key|IP address}", "Optional {Redis|SQLite|PostgreSQL} cache for repeated lookups",
    "A single static binary of about {num} MB", "Graceful shutdown that drains in-flight work",
    "Human-friendly CLI with shell completion for bash, zsh and fish", "Schema validation with helpful error messages",
    "Parallel uploads with configurable concurrency (default {small})", "Pure {lang} implementation, no C extensions",
    "Dry-run mode that prints the plan without changing anything", "Content-addressed storage with SHA-256 digests",
]
QA_REVIEWS = [
    "{Works exactly as described|Does the job|Better than I expected|Solid, but the manual is useless}; I've used it daily since {month}.",
    "Bought it for my {parents|partner|office|student flat} and {nobody has complained|it gets used every day|it replaced two older gadgets}.",
    "{Delivery took {small} days|Arrived a day early|Box was dented but the unit was fine}, and setup took about {num} minutes.",
    "{The only downside is the short cable|I wish it came in another colour|Customer support answered within {small} hours} — still {four|five} stars.",
    "After {small} months it {still works like new|started making a faint noise|needed a firmware update}, which {support fixed quickly|was easy to install}.",
]
PAGE_UPDATES = [
    "Update {date}: {the {small}nd floor|the east entrance|the car park on {street}} will be closed for maintenance until {date2}.",
    "From {month}, {opening|collection|visiting} times change on {weekday}s; see the table at the reception desk.",
    "Questions? Visit the service point at {street}, {city}, open {weekday} to {weekday2} from {time} to {time2}.",
    "{Volunteers|Staff} counted {big} visitors last year, up {pct} percent on the year before.",
]
