/**
 * Vocabulary for generated demo stories: topics with their own nouns, shared verbs, adjectives,
 * places and people, and sentence templates. Words are drawn with Zipf-like weights (earlier
 * entries more often), so a search index over thousands of stories has the skewed term
 * frequencies of real news copy: a few words in most stories, a long tail in few.
 *
 * Every place, person and organisation is invented. The text avoids the characters Markdown
 * gives a meaning to, so the generated Markdown renders to exactly one <p> per paragraph.
 */

export interface Topic {
  name: string;
  /** Who acts in this topic's stories. */
  actors: string[];
  /** What the stories are about. */
  things: string[];
  /** Candidate tag names. */
  tags: string[];
}

export const TOPICS: Topic[] = [
  {
    name: 'Statehouse',
    actors: ['lawmakers', 'the governor', 'the senate committee', 'house leaders', 'the budget office', 'legislators', 'the attorney general', 'the secretary of state', 'a bipartisan caucus', 'the ethics panel'],
    things: ['the budget', 'the bill', 'the amendment', 'the veto', 'the session', 'the hearing', 'the tax credit', 'the spending plan', 'the redistricting map', 'the pension fund', 'the audit', 'the special session', 'the ballot measure', 'the rule change'],
    tags: ['Legislature', 'State budget', 'Governor', 'Elections', 'Taxes', 'Redistricting', 'Ethics', 'Pensions', 'Ballot measures', 'Campaign finance'],
  },
  {
    name: 'Health',
    actors: ['hospital officials', 'the health department', 'nurses', 'rural clinics', 'the medical board', 'public health researchers', 'emergency physicians', 'insurers', 'patient advocates', 'county health officers'],
    things: ['the clinic', 'the emergency room', 'the vaccine program', 'the staffing shortage', 'the maternity ward', 'the insurance rates', 'the opioid settlement', 'the mental health hotline', 'the hospital merger', 'the overdose data', 'the Medicaid waiver', 'the ambulance service'],
    tags: ['Health care', 'Hospitals', 'Medicaid', 'Mental health', 'Opioids', 'Public health', 'Rural health', 'Nursing', 'Insurance', 'Vaccines'],
  },
  {
    name: 'Education',
    actors: ['school boards', 'teachers', 'the state superintendent', 'parents', 'university trustees', 'the teachers union', 'district leaders', 'students', 'community college presidents', 'education researchers'],
    things: ['the school funding formula', 'the test scores', 'the bus routes', 'the tuition increase', 'the literacy program', 'the enrollment decline', 'the teacher pay raise', 'the school calendar', 'the graduation rate', 'the charter application', 'the campus housing', 'the special education budget'],
    tags: ['Schools', 'Higher education', 'Teachers', 'School funding', 'Testing', 'Student debt', 'Early childhood', 'Charter schools', 'Literacy', 'Enrollment'],
  },
  {
    name: 'Environment',
    actors: ['state regulators', 'farmers', 'conservation groups', 'the water authority', 'utility executives', 'wildlife biologists', 'fire crews', 'the parks agency', 'residents downstream', 'climate scientists'],
    things: ['the drought', 'the wildfire season', 'the river cleanup', 'the solar farm', 'the water permits', 'the emissions rule', 'the flood maps', 'the pipeline route', 'the landfill expansion', 'the groundwater levels', 'the wetland restoration', 'the transmission line'],
    tags: ['Climate', 'Water', 'Wildfire', 'Energy', 'Drought', 'Pollution', 'Conservation', 'Agriculture', 'Utilities', 'Public lands'],
  },
  {
    name: 'Justice',
    actors: ['prosecutors', 'public defenders', 'the state supreme court', 'police chiefs', 'the corrections department', 'jurors', 'civil rights lawyers', 'the parole board', 'sheriffs', 'county judges'],
    things: ['the sentencing reform', 'the bail system', 'the prison population', 'the body camera footage', 'the wrongful conviction', 'the jail contract', 'the court backlog', 'the use of force policy', 'the expungement law', 'the juvenile detention center', 'the settlement', 'the appeal'],
    tags: ['Criminal justice', 'Courts', 'Policing', 'Prisons', 'Civil rights', 'Public safety', 'Juvenile justice', 'Sentencing', 'Immigration', 'Lawsuits'],
  },
  {
    name: 'Economy',
    actors: ['small business owners', 'economists', 'the labor department', 'developers', 'landlords', 'tenants', 'the port authority', 'workers', 'the chamber of commerce', 'housing advocates'],
    things: ['the minimum wage', 'the rent increases', 'the housing shortage', 'the factory closure', 'the jobs report', 'the tax incentives', 'the zoning change', 'the broadband expansion', 'the warehouse project', 'the eviction filings', 'the child care costs', 'the transit fares'],
    tags: ['Economy', 'Housing', 'Jobs', 'Labor', 'Small business', 'Development', 'Transportation', 'Broadband', 'Child care', 'Wages'],
  },
  {
    name: 'Communities',
    actors: ['neighbors', 'city council members', 'tribal leaders', 'volunteers', 'the county commission', 'librarians', 'church leaders', 'the mayor', 'veterans groups', 'local historians'],
    things: ['the library', 'the food bank', 'the community center', 'the festival', 'the bridge repair', 'the homeless shelter', 'the park renovation', 'the water main', 'the census count', 'the rural post office', 'the senior center', 'the public pool'],
    tags: ['Local government', 'Rural', 'Tribal nations', 'Veterans', 'Homelessness', 'Infrastructure', 'Libraries', 'Arts', 'History', 'Faith'],
  },
];

/** Tags every desk may use, besides its topic's own. */
export const GENERAL_TAGS = [
  'Accountability', 'Data', 'Investigation', 'Explainer', 'Analysis', 'Voting', 'Transparency', 'Federal funding', 'Public records', 'Audits',
  'Technology', 'Disability', 'Aging', 'Youth', 'Families', 'Poverty', 'Rural broadband', 'Tourism', 'Wildlife', 'Weather',
];

/** Invented places for datelines and sentences. */
export const PLACES = [
  'Sallow Valley', 'Port Linden', 'Cedar Ford', 'Marrow Springs', 'East Halden', 'Birchmont', 'Lake Tessaly', 'Granite Falls', 'Oxbow', 'New Carrick',
  'Fenwick', 'Thornbury', 'Alder Creek', 'Dunmore Flats', 'Westbrook', 'Harlan Ridge', 'Millbrook', 'Ashgrove', 'Kestrel Point', 'Riverside Junction',
  'Pine Hollow', 'Stonebridge', 'Elk Meadow', 'Copper Hill', 'Larkspur', 'Bramble Bay', 'Iron Gap', 'Whitfield', 'Ravenna Heights', 'Calder',
];

export const FIRST_NAMES = [
  'Maria', 'James', 'Aisha', 'Daniel', 'Lena', 'Samuel', 'Priya', 'Marcus', 'Elena', 'Tomás', 'Grace', 'Omar', 'Hannah', 'Victor', 'Rosa',
  'Caleb', 'Naomi', 'Julian', 'Ines', 'Darnell', 'Mei', 'Wyatt', 'Leila', 'Hector', 'Ruth', 'Kwame', 'Sofia', 'Eli', 'Yusuf', 'Clara',
];

export const LAST_NAMES = [
  'Alvarez', 'Brennan', 'Chen', 'Delacroix', 'Eastman', 'Fairweather', 'Gutierrez', 'Halvorsen', 'Ibarra', 'Jankowski', 'Kowalczyk', 'Lindqvist',
  'Mbeki', 'Nakamura', 'Okafor', 'Petrov', 'Quintero', 'Rasmussen', 'Sandoval', 'Thibodeaux', 'Underwood', 'Vasquez', 'Whitaker', 'Yilmaz', 'Zielinski',
];

export const ROLES = [
  'a spokesperson for the agency', 'a professor of public policy', 'a longtime resident', 'the executive director of a nonprofit', 'a county commissioner',
  'a state representative', 'a retired teacher', 'the owner of a local business', 'a senior analyst', 'an organizer with a neighborhood group',
];

/** Verbs in the third person plural / past, usable after any actor. */
export const VERBS = [
  'approved', 'rejected', 'delayed', 'questioned', 'defended', 'proposed', 'expanded', 'reviewed', 'criticized', 'announced', 'funded', 'blocked',
  'revised', 'examined', 'postponed', 'supported', 'challenged', 'completed', 'reduced', 'extended', 'investigated', 'reconsidered', 'endorsed', 'audited',
];

export const ADJECTIVES = [
  'new', 'local', 'statewide', 'rural', 'public', 'federal', 'controversial', 'emergency', 'temporary', 'annual', 'costly', 'delayed',
  'independent', 'regional', 'modest', 'sweeping', 'unusual', 'preliminary', 'final', 'bipartisan', 'unexpected', 'lengthy', 'narrow',
];

/** Everyday news words, most frequent first. */
export const COMMON = [
  'state', 'county', 'year', 'people', 'money', 'plan', 'program', 'officials', 'families', 'million', 'report', 'community', 'residents', 'week',
  'month', 'cost', 'data', 'law', 'city', 'public', 'service', 'time', 'funding', 'support', 'change', 'questions', 'process', 'decision', 'work',
  'record', 'policy', 'board', 'meeting', 'vote', 'review', 'agency', 'rules', 'access', 'needs', 'staff', 'contract', 'survey', 'grant', 'deadline',
  'schedule', 'costs', 'estimate', 'proposal', 'testimony', 'documents', 'records', 'analysis', 'figures', 'summer', 'winter', 'spring', 'autumn',
  'district', 'neighborhood', 'region', 'oversight', 'transparency', 'promise', 'shortfall', 'backlog', 'waitlist', 'complaints', 'inspection',
];

export const TIMES = ['on Tuesday', 'last week', 'this spring', 'earlier this year', 'on Monday', 'in recent months', 'since 2019', 'over the summer', 'on Thursday', 'late last year', 'this month', 'after years of debate'];

/**
 * Sentence templates. Slots: {A} actor, {T} thing, {V} verb, {J} adjective, {P} place, {N} common
 * noun, {W} time, {X} a number, {Q} a quoted person (name and role), {Y} a year.
 */
export const SENTENCES = [
  '{A} {V} {T} {W}, a move that could affect {X} {N} across {P}.',
  'In {P}, {A} said {T} had become the most pressing {N} facing the {N}.',
  'The {J} {N} would cost about {X} million dollars over five years, according to a {J} {N}.',
  'Records obtained by this newsroom show that {A} {V} {T} at least {X} times since {Y}.',
  'Critics say {T} leaves out {N} in places like {P}, where the {N} is already thin.',
  'Supporters argue the {J} {N} is overdue and that {A} have waited long enough.',
  '{A} in {P} {V} {T} {W}, citing the {J} {N} and a {N} that never arrived.',
  'The {N} drew {X} written comments, most of them from {P} and nearby {N}.',
  'It was not clear {W} whether {A} would revisit {T} before the {N} ends.',
  'A {J} {N} released {W} found that {X} percent of {N} in {P} had not received the {N}.',
  'The change comes as {A} face a {J} {N} and growing pressure over {T}.',
  '{A} have until the end of the {N} to decide, and several said they remain undecided.',
  'Similar efforts in other states have produced {J} results, the {N} noted.',
  'Asked about {T}, {A} pointed to the {J} {N} and said more {N} was needed.',
  'Since {Y}, the {N} has grown by {X} percent while the {N} has stayed flat.',
  'Residents of {P} packed a {J} {N} {W} to speak about {T}.',
  'The agency did not respond to repeated requests for comment about {T}.',
  'For now, {T} remains on hold, and {A} say the {N} will take at least {X} more months.',
];

/** Quote paragraphs: a sentence in quotation marks, attributed. */
export const QUOTES = [
  'We have been asking for this for {X} years, and nobody in {P} believed it would happen,',
  'This is about whether the {N} works for the people who depend on it,',
  'Nobody wants to see {T} fall apart, but the {N} simply is not there,',
  'If {A} had listened {W}, we would not be here now,',
  'The {N} tells a clear story, and it is not a good one for {P},',
  'We will keep pushing until {T} is finished,',
];

export const HEADLINES = [
  '{A} {V} {T} after {J} {N}',
  '{P} waits as {A} weigh {T}',
  'What {T} means for {P}',
  '{J} {N} puts {T} in doubt',
  '{A} {V} {T}; {P} reacts',
  'Inside the fight over {T} in {P}',
  'Costs rise for {T} as {A} push back',
  '{X} {N} later, {T} still unresolved',
  'Why {A} {V} {T}',
  '{P} {N} faces {J} deadline over {T}',
];

export const SUMMARIES = [
  'The decision affects {X} {N} in {P} and could shape how {A} handle {T} for years.',
  'A {J} {N} shows {A} {V} {T} even as {N} in {P} kept rising.',
  '{A} say {T} is needed; critics in {P} say the {N} does not add up.',
  'After months of debate, {A} {V} {T}. Here is what changes and who pays.',
];

/** More issues a newsroom tags, so the tag pool is about two hundred names. */
export const ISSUE_TAGS = [
  'Affordable housing', 'Water rights', 'Property taxes', 'Sales tax', 'Gun policy', 'Abortion', 'Reproductive health', 'Child welfare', 'Foster care',
  'Domestic violence', 'Addiction', 'Homeless camps', 'Minimum wage', 'Unions', 'Strikes', 'Manufacturing', 'Mining', 'Timber', 'Fisheries', 'Ranching',
  'Oil and gas', 'Wind power', 'Solar power', 'Nuclear power', 'Electric grid', 'Heat waves', 'Floods', 'Storms', 'Air quality', 'Drinking water',
  'Sewage', 'Recycling', 'Landfills', 'Roads', 'Bridges', 'Rail', 'Airports', 'Ports', 'Public transit', 'Traffic safety', 'Pedestrians', 'Cycling',
  'Zoning', 'Land use', 'Gentrification', 'Evictions', 'Mortgages', 'Banking', 'Consumer protection', 'Scams', 'Privacy', 'Cybersecurity',
  'Artificial intelligence', 'Social media', 'Local news', 'Press freedom', 'Open meetings', 'Lobbying', 'Term limits', 'Recall elections',
  'Voter registration', 'Election officials', 'Polling places', 'Absentee ballots', 'Census', 'Refugees', 'Language access', 'Tribal sovereignty',
  'Treaty rights', 'Reparations', 'Policing reform', 'Jails', 'Bail', 'Death penalty', 'Drug policy', 'Cannabis', 'Gambling', 'Sports betting',
  'Stadiums', 'High school sports', 'College athletics', 'Museums', 'Music', 'Theater', 'Food insecurity', 'Grocery stores', 'School meals',
  'Pharmacies', 'Dental care', 'Long-term care', 'Nursing homes', 'Disability services', 'Veterans affairs',
];
