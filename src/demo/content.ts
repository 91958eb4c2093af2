// Demo content for Freewire: a fictional nonprofit state news service.
// All people, places and organisations below are invented. Contact details
// use example.org / example.social and the fictional 555-01xx phone range.

export interface DemoDesk {
  name: string;
  slug: string;
  description: string;
}

export interface DemoAuthor {
  name: string;
  slug: string;
  title: string;
  bio: string;
  links: {
    twitter?: string;
    bluesky?: string;
    mastodon?: string;
    website?: string;
    email?: string;
  };
  tipsContact?: string;
}

export interface DemoStory {
  slug: string;
  headline: string;
  summary: string;
  dateline: string;
  /** desk slug */
  desk: string;
  /** author slugs, 1 or 2 */
  authors: string[];
  /** 2-4 human tag names */
  tags: string[];
  /** Markdown, 500-1000 words */
  body: string;
  /** distinct values between 2 and 900 (one story older than the usage dashboard's 30 days) */
  publishedHoursAgo: number;
  /** correction note shown to readers */
  correction?: { text: string; hoursAfterPublish: number };
  /** editor's update note + a paragraph appended to the body */
  update?: { note: string; hoursAfterPublish: number; addedParagraph: string };
  /** withdrawal ("kill"): the reason readers and partners are given */
  withdrawal?: { reason: string; hoursAfterPublish: number };
}

export const demoSite: {
  name: string;
  tagline: string;
  syndicationNotice: string;
  tipsContact: string;
  licensingContact: string;
} = {
  name: "Riverbend Public News",
  tagline: "Nonprofit, nonpartisan news for every corner of Lenmark",
  syndicationNotice:
    "This story is free to republish for eligible news publishers with a large audience under our republishing terms. Other publishers and organizations can license it: contact licensing@example.org.",
  tipsContact: "tips@example.org",
  licensingContact: "licensing@example.org",
};

export const demoDesks: DemoDesk[] = [
  {
    name: "Environment",
    slug: "environment",
    description:
      "Water, land, air and energy across Lenmark, from the Kestrel Mountains to the lower Sallow River.",
  },
  {
    name: "Statehouse",
    slug: "statehouse",
    description:
      "The Legislature, the governor and the state agencies that spend your money, covered from the Capitol in Ashcombe.",
  },
  {
    name: "Health",
    slug: "health",
    description:
      "Hospitals, public health insurance, emergency care and the health of rural and urban communities in Lenmark.",
  },
];

export const demoAuthors: DemoAuthor[] = [
  {
    name: "Marisol Okafor",
    slug: "marisol-okafor",
    title: "Environment Reporter",
    bio: "Marisol Okafor covers water, energy and the environment for Riverbend Public News from the Sallow River valley. Before joining the newsroom in 2019, she reported on agriculture for a daily newspaper in Port Tallis. She grew up on a dairy farm outside Marrow Flats.",
    links: {
      twitter: "https://twitter.example.org/mokafor",
      bluesky: "https://bsky.example.social/profile/mokafor.example.social",
      website: "https://example.org/staff/marisol-okafor",
      email: "mokafor@example.org",
    },
    tipsContact: "Signal 555-0147 or environment-tips@example.org",
  },
  {
    name: "Declan Whitfield",
    slug: "declan-whitfield",
    title: "Statehouse Bureau Chief",
    bio: "Declan Whitfield has covered the Lenmark Legislature since 2012 and leads the Riverbend Public News statehouse bureau in Ashcombe. He writes about budgets, elections and how bills become law. He is a graduate of Lenmark State University.",
    links: {
      twitter: "https://twitter.example.org/dwhitfield",
      mastodon: "https://newsroom.example.social/@dwhitfield",
      email: "dwhitfield@example.org",
    },
    tipsContact: "statehouse-tips@example.org",
  },
  {
    name: "Priya Lindqvist",
    slug: "priya-lindqvist",
    title: "Health Reporter",
    bio: "Priya Lindqvist reports on health care access, hospitals and public health insurance across Lenmark. She previously worked as a nurse in a rural emergency department, which shapes her reporting on what happens when care gets farther away.",
    links: {
      bluesky: "https://bsky.example.social/profile/plindqvist.example.social",
      mastodon: "https://newsroom.example.social/@plindqvist",
      website: "https://example.org/staff/priya-lindqvist",
      email: "plindqvist@example.org",
    },
    tipsContact: "Signal 555-0163 or health-tips@example.org",
  },
  {
    name: "Jonah Kettering",
    slug: "jonah-kettering",
    title: "Data Reporter",
    bio: "Jonah Kettering turns public records and spreadsheets into stories about how Lenmark works. He builds the newsroom's data analyses and publishes the data and methodology behind them. Before journalism, he was a budget analyst for a county government.",
    links: {
      twitter: "https://twitter.example.org/jkettering",
      website: "https://example.org/staff/jonah-kettering",
      email: "jkettering@example.org",
    },
  },
];

export const demoStories: DemoStory[] = [
  // ---------------------------------------------------------------- Environment
  {
    slug: "greyford-wells-pfas-limit",
    headline: "Nearly a third of tested wells near Greyford airfield exceed new PFAS limit",
    summary:
      "State sampling of private wells near a former training airfield found 67 households drinking water above Lenmark's new limit for 'forever chemicals,' some more than two miles from the fence line.",
    dateline: "GREYFORD, Lenmark",
    desk: "environment",
    authors: ["marisol-okafor"],
    tags: ["Water", "PFAS", "Public health"],
    publishedHoursAgo: 30,
    correction: {
      text: "An earlier version of this story misstated the number of private wells sampled by the Department of Environmental Quality. The department sampled 214 wells, not 2,140.",
      hoursAfterPublish: 5,
    },
    body: `When Dana Whitcomb got the letter from the state in December, she read the number twice. The water coming out of her kitchen tap, drawn from a 90-foot well behind her house on Old Quarry Road, contained 41 parts per trillion of PFOS, one of a family of industrial chemicals known as PFAS. The state's new drinking water limit, which takes effect next year, is 4.

"I have been giving that water to my grandkids in their bottles," said Whitcomb, 63, a retired school bus driver. "Nobody told us there was anything to worry about."

Whitcomb's well is one of 214 private wells within three miles of the former Greyford Air Guard training field that the Lenmark Department of Environmental Quality sampled between June and November. Results released to Riverbend Public News under a public records request show that 67 of those wells, or about 31%, exceeded the new limit for at least one PFAS compound. Another 58 had detectable levels below the limit.

## A plume that keeps moving

For more than three decades, crews at the airfield sprayed firefighting foam during training exercises, a common practice at military and civilian airports before the foam's health risks were widely understood. The chemicals in that foam do not break down easily, which is why they are often called "forever chemicals." They have been linked to kidney and testicular cancer, thyroid disease and a weaker response to vaccines in children.

The department first detected PFAS in monitoring wells on the airfield property in 2019. A consultant's report prepared for the state in 2022, [available here](https://example.org/documents/greyford-plume-report-2022.pdf), estimated the contamination had traveled roughly a mile and a half to the southeast, following the slope of the underlying aquifer toward the Sallow River.

The new sampling suggests it has gone farther. Eleven of the wells above the limit sit more than two miles from the airfield fence line.

"The groundwater does not care where we drew the circle," said Rafael Imbert, a hydrogeologist at Lenmark State University who reviewed the data at the request of Riverbend Public News. "What this tells me is that the testing area needs to expand, and it needs to expand before people find out on their own."

## What the state is offering

Department spokesperson Colleen Sato said every household with a result above the limit has been offered a free filter for the kitchen sink and bottled water deliveries while the state evaluates longer-term options. Those options include connecting homes to the Greyford municipal water system, which would require roughly four miles of new water main.

"We are treating this as a priority," Sato said in an email. "Residents with questions can call our PFAS hotline, and we will continue sampling quarterly."

But several residents said the filters arrived weeks after the letters, and that no one explained how to maintain them. Under-sink filters using reverse osmosis or activated carbon can reduce PFAS substantially, but only if cartridges are replaced on schedule.

Residents near the airfield who have not been contacted can request testing. According to the department, households qualify if they:

- rely on a private well for drinking water,
- are located within the expanded five-mile screening area announced last week, and
- have not been sampled in the past 12 months.

## Who pays

The cost of extending a water main is the question hanging over every community meeting. A preliminary estimate from the Greyford town engineer puts the project at $18 million to $23 million. The town's entire annual budget is about $9 million.

State Sen. Harriet Oduya, whose district includes Greyford, has introduced a bill this session that would create a revolving loan fund for communities whose drinking water has been contaminated by PFAS from state-owned sites.

> "The state owns that airfield. The state trained those crews. It is not the job of a town of 4,000 people to clean up a mess it didn't make." — Sen. Harriet Oduya

A spokesperson for the Lenmark Military Department, which oversees the former training field, said the agency is "cooperating fully" with environmental regulators and has budgeted for additional monitoring wells on the property this year.

For Whitcomb, the longer-term questions feel abstract. She has started filling jugs at her daughter's house in town, where the water comes from the municipal system and tests well below the limit.

"I'm not waiting on a pipe," she said. "I'll be 70 before that pipe gets here."`,
  },
  {
    slug: "wildfire-smoke-school-air-filters",
    headline: "As smoke seasons lengthen, most Lenmark schools can't say their air filters keep it out",
    summary:
      "Only 23 of Lenmark's 141 school districts could confirm that every building uses filters rated to capture wildfire smoke, a Riverbend Public News survey found. The state has no indoor air standard for schools.",
    dateline: "TAMARACK, Lenmark",
    desk: "environment",
    authors: ["marisol-okafor", "priya-lindqvist"],
    tags: ["Wildfire smoke", "Air quality", "Schools"],
    publishedHoursAgo: 52,
    body: `On the worst day of last September's smoke, the air quality monitor outside Tamarack Elementary School in Wyeth County recorded fine particle pollution more than six times the federal health standard. Inside, teachers kept the windows shut and the lights on. They had no way of knowing whether it was helping.

"We were guessing," said Jenna Follett, who teaches fourth grade at Tamarack. "Kids were coughing, a couple had their inhalers out before lunch, and we just kept telling them to stay inside like inside was safe."

It may not have been. A survey of school districts conducted by Riverbend Public News found that only 23 of Lenmark's 141 districts could confirm that all of their buildings use ventilation filters rated **MERV 13 or higher**, the level engineers generally recommend for capturing the fine particles in wildfire smoke. Forty-one districts did not respond or said they did not know what filters their buildings use.

## Smoke days are no longer rare

Data from the state's air monitoring network shows the number of days when smoke pushed air quality into the "unhealthy" range has risen sharply. Between 2010 and 2015, the Sallow River valley averaged about four such days a year. Over the past five years, it averaged 17.

Most of that smoke comes from fires hundreds of miles away, carried in by upper-level winds in late summer, exactly when the school year begins.

Dr. Anika Morrow, a pediatric pulmonologist at Ashcombe Children's Hospital, said children are particularly vulnerable because they breathe faster than adults and their lungs are still developing.

> "A child sitting in a classroom for six hours on a heavy smoke day is getting a meaningful dose. Good filtration in that room is one of the cheapest interventions we have." — Dr. Anika Morrow

## Why upgrades stall

Upgrading filters is not always as simple as swapping one for another. Higher-rated filters are denser, and older heating and cooling systems may not have fans strong enough to push air through them. In some buildings the fix requires new equipment, which can cost hundreds of thousands of dollars.

Facilities directors in four districts told reporters they had applied for federal pandemic-era ventilation money, only to see those funds expire before projects could be completed.

"We had a contractor lined up and a design ready," said Marcus Dellinger, facilities director for the Brannock Consolidated School District. "Then the deadline passed, and the money went back. We're still running the same rooftop units from 1994."

Some districts have turned to a cheaper stopgap: portable air cleaners. A few, including Greyford and Ashcombe, have placed a unit in every classroom. Others have experimented with do-it-yourself box-fan filters, assembled from a standard fan and four furnace filters, which researchers have found can meaningfully reduce indoor particle levels at a fraction of the cost.

## What the state requires

Lenmark has no statewide standard for indoor air in schools. A bill introduced during last year's legislative session would have required districts to adopt a smoke response plan and to report their filtration ratings to the Department of Education. It passed the House Education Committee but never received a floor vote.

The department's guidance, [published in 2021](https://example.org/documents/lenmark-school-smoke-guidance.pdf), recommends that districts:

- use the highest-rated filters their systems can handle,
- reduce outdoor air intake during smoke events when it is safe to do so,
- designate at least one "clean air room" in each building, and
- tell families about air quality conditions each day during smoke season.

The guidance is voluntary. Department spokesperson Leon Achterberg said the agency "encourages all districts to review their ventilation systems" and has offered technical assistance webinars.

Parents in some communities are not waiting. In Ashcombe, a group of parents raised about $12,000 last spring to buy portable cleaners for two elementary schools before the district adopted its own plan.

Back at Tamarack, Follett said the district installed portable units in every classroom over the summer. She has already checked the filter in hers.

"It's a small thing," she said. "But I'd rather not be guessing next time."`,
  },
  {
    slug: "sallow-river-irrigation-cutoff-warning",
    headline: "Sallow River farmers warned of first irrigation cutoff in 40 years",
    summary:
      "With Kestrel Mountains snowpack at less than half of normal, the state water engineer told 312 junior rights holders to expect a curtailment order as early as July.",
    dateline: "MARROW FLATS, Lenmark",
    desk: "environment",
    authors: ["marisol-okafor"],
    tags: ["Water", "Drought", "Agriculture"],
    publishedHoursAgo: 96,
    body: `State water regulators are warning farmers along the lower Sallow River to prepare for something that hasn't happened since 1984: an order to stop pumping under hundreds of irrigation rights in the middle of the growing season.

In a notice mailed last week to 312 water rights holders, the Lenmark Office of the State Water Engineer said that if snowpack in the Kestrel Mountains does not improve substantially by April, it expects to curtail rights with priority dates after June 1921 as early as July. Under the state's "first in time, first in right" system, those junior users would have to stop diverting water so that enough flows downstream to satisfy older, senior rights, including the city of Port Tallis's municipal supply.

"We're sending this now so nobody is surprised in July," State Water Engineer Gretchen Haldane said in an interview. "People are making planting decisions and signing operating loans over the next few weeks. They deserve to know what we're seeing."

## A thin snowpack

The Sallow rises in the Kestrel Mountains, where winter snow normally melts slowly through June, feeding the river well into the irrigation season. As of Monday, snowpack across the basin stood at 46% of the median for this date, according to the state's network of automated snow monitoring sites. At the highest-elevation site, Raven Saddle, it was 39%.

Hydrologists caution that a snowy February and March could still change the outlook. But the state's seasonal forecast projects April-through-September runoff at about half of normal, which would put late-summer flows at the Marrow Flats gauge well below what senior rights holders are entitled to.

The river has been stretched thin for years. A 2020 basin study, [posted by the state water office](https://example.org/documents/sallow-basin-study-2020.pdf), found that the state has granted more rights to the Sallow's water on paper than the river typically carries in a dry year, and that in four of the previous ten years, demand from all rights holders exceeded available supply by late July.

## Decisions at the kitchen table

At the Marrow Flats grain elevator on Wednesday morning, the notice was the main topic of conversation.

Luis Carvajal farms about 900 acres of alfalfa and corn with his brother. Roughly two-thirds of their ground is irrigated under a right dated 1948.

"Do we plant corn and hope, or do we put in something that can take a beating?" Carvajal said. "Once the seed is in and the fertilizer is on and the loan is signed, you can't take it back if the water goes away in July."

Some growers said they are looking at leasing water from senior rights holders willing to fallow their own fields, an arrangement the state allows with approval. Others said they would drill or deepen wells, though groundwater pumping in parts of the basin is already under a moratorium because of declining aquifer levels.

The Lenmark Farm Bureau Council estimated that a curtailment lasting from July through August could cost the region between $40 million and $65 million, counting lost crop value and reduced spending at local businesses.

## Pressure on lawmakers

The warning has added urgency to water proposals at the Capitol. Among those under discussion:

- a state-funded program to pay farmers to voluntarily fallow land in dry years,
- expanded storage at Cold Hollow Reservoir, and
- stricter metering of diversions, which in some parts of the basin are still estimated rather than measured.

Rep. Owen Trask, a Republican whose district includes Marrow Flats, said he would push for money for the fallowing program in this year's budget.

"If we pay people a fair price to sit out a dry year, everybody downstream is better off," Trask said. "That's cheaper than what happens if we do nothing."

Tess Oyelaran, director of the Sallow River Alliance, a coalition of anglers and conservation groups, said the river's fish are also at risk.

"When the water drops that low and gets that warm, trout start dying," Oyelaran said. "Everybody who depends on this river is going to feel it, not just the people with ditches."

Port Tallis officials said the city's supply is secure but that they may ask residents to limit lawn watering this summer.

Carvajal said he and his brother will probably shift some fields to drought-tolerant sorghum this year and keep irrigation on the ground with the best soil.

"My dad went through this in '84," he said. "He told me it would happen again. I guess I thought it'd be later."`,
  },
  {
    slug: "kessler-coal-ash-pond-closure-plan",
    headline: "Utility wants to leave 4 million tons of coal ash in an unlined pit beside the Sallow River",
    summary:
      "Northern Lenmark Power & Light's plan to cap the Kessler Generating Station's largest ash pond would cost $216 million less than digging it up. Eight years of monitoring data show contamination in the groundwater around it.",
    dateline: "KESSLER, Lenmark",
    desk: "environment",
    authors: ["jonah-kettering"],
    tags: ["Coal ash", "Groundwater", "Utilities"],
    publishedHoursAgo: 140,
    body: `The company that operated the Kessler Generating Station for half a century wants to close the plant's largest coal ash pond by draining it, covering it with a synthetic cap and leaving roughly 4 million tons of ash in place, a few hundred feet from the Sallow River.

Northern Lenmark Power & Light filed its closure plan with the Department of Environmental Quality last month. The agency is accepting public comments through the end of next month, and a public hearing is scheduled at the Kessler Community Center.

Environmental groups and some nearby residents say the plan would leave a permanent source of contamination in the floodplain. The utility says it meets state standards and would cost a fraction of the alternative: digging up the ash and moving it to a lined landfill.

## What the monitoring wells show

Riverbend Public News analyzed eight years of groundwater monitoring data that the utility is required to report. The data, [published on the company's compliance website](https://example.org/documents/kessler-groundwater-data.xlsx), comes from 22 wells around the pond.

The analysis found:

- **Arsenic** exceeded the state groundwater protection standard in at least one well in every year since reporting began.
- **Boron**, a common marker of coal ash contamination, was found in wells downgradient of the pond at concentrations up to 40 times higher than in upgradient wells.
- **Lithium and molybdenum** levels in the three wells nearest the river have increased over the period.

"Boron is the fingerprint," said Carla Benavides, an environmental engineer who previously worked for the state's solid waste program and now consults for community groups. "When you see it that much higher downstream of a pond than upstream, you know where the water has been."

Utility spokesperson Greg Ostrander said the company has already removed standing water from the pond's surface and that capping it will reduce the amount of rain filtering through the ash.

"Cap-in-place is an accepted closure method used across the country," Ostrander said. "Our engineering analysis shows it is protective of human health and the environment."

## The cost question

According to the closure plan, capping the pond would cost an estimated $94 million. Excavating the ash and hauling it to a lined landfill would cost about $310 million and take up to 12 years.

Whatever the company spends will likely be passed on to customers. The Lenmark Public Utilities Commission generally allows utilities to recover the costs of complying with environmental rules through rates.

That creates uncomfortable math for ratepayer advocates, who are wary of the bigger bill but also of being asked to pay again later if the cap fails.

"If this has to be dug up in 20 years anyway, customers will pay twice," said Nadia Ferreira-Holt, staff attorney at the Lenmark Ratepayer Advocate's office. "We want the commission to look hard at the long-term risk, not just the upfront number."

## Flood risk

A key concern is the pond's location. Part of the impoundment lies within the river's 100-year floodplain, according to state flood maps. During the 2011 spring flood, the river rose to within four feet of the pond's eastern embankment.

Benavides said that because the base of the ash sits below the water table in some areas, groundwater would continue to move through the ash even with a cap on top.

The utility's plan acknowledges that the bottom of the ash is in contact with groundwater in portions of the pond, but concludes that a network of monitoring wells and a corrective action program would address any contamination.

## Neighbors divided

In Kessler, a town of about 2,600 where the plant was once the biggest employer, opinions are mixed.

"That plant put my kids through college," said Bill Sorensen, 71, who worked at the station for 34 years. "I'm not saying the ash is good for anybody, but I'd hate to see the bills go through the roof."

His neighbor, Joan Petrakis, sees it differently. Her family's well is about a mile downriver.

"They made the mess, and they made money making it," she said. "Now they want to put a tarp over it and walk away."

The Department of Environmental Quality will decide whether to approve, modify or reject the plan after the comment period closes. Written comments can be sent to the department through its online portal or delivered at the hearing.`,
  },

  // ----------------------------------------------------------------- Statehouse
  {
    slug: "senate-school-funding-formula-rewrite",
    headline: "Senate plan to rewrite school funding formula would shift $210 million toward poorer districts",
    summary:
      "Senate Bill 14 would replace a formula largely unchanged since 1997, raising aid for 104 of Lenmark's 141 districts. Its sponsors have not said how the state would pay for it.",
    dateline: "ASHCOMBE, Lenmark",
    desk: "statehouse",
    authors: ["declan-whitfield"],
    tags: ["Education", "School funding", "State budget"],
    publishedHoursAgo: 20,
    body: `A bipartisan group of state senators on Thursday unveiled a long-awaited overhaul of the formula Lenmark uses to fund its public schools, proposing to steer an additional $210 million a year toward districts with high poverty rates and low property wealth.

The proposal, Senate Bill 14, would replace a formula largely unchanged since 1997. Under the current system, the state guarantees each district a base amount per student, then adds money for certain categories of students. But critics, including a state judge, have said the formula fails to account for how much it actually costs to educate children living in poverty or learning English.

"We've been patching this thing for 25 years," said Sen. Walter Brisco, a Republican from Wyeth County and one of the bill's lead sponsors. "It's time to build something that reflects what kids actually need."

## What would change

The bill, [available on the Legislature's website](https://example.org/documents/sb14-school-funding.pdf), would:

- raise the base per-student amount from $7,450 to $7,900,
- increase the extra weight for students from low-income families from 15% to 35% of the base,
- add a new weight for students in districts with concentrated poverty, and
- phase in the changes over four years, so no district loses money in the first year.

According to an analysis by the Legislative Fiscal Office, 104 of the state's 141 districts would see increases once the plan is fully phased in. Thirty-seven, mostly suburban districts with higher property values, would see their state aid decline slightly, though the bill includes a "hold harmless" provision limiting losses to 2% per year.

## A court case looms

The bill comes as the Lenmark Supreme Court weighs an appeal in a lawsuit brought by 19 rural and urban school districts. In 2022, a district judge ruled that the state was failing to meet its constitutional obligation to provide an "adequate and equitable" education, citing wide gaps in spending between property-rich and property-poor districts.

Sen. Lucía Navarrete, a Democrat from Port Tallis and the bill's other lead sponsor, said lawmakers should act before the justices do.

> "We can write this formula ourselves, with input from teachers and parents, or we can wait for a court to tell us what to do. I'd rather we do our jobs." — Sen. Lucía Navarrete

The plaintiff districts' attorney, Simone Achebe-Grant, called the bill "a real step forward" but questioned whether a four-year phase-in was fast enough for students in school now.

## Where the money comes from

The bill does not specify a funding source for the increase. Brisco said he expects it to be paid for through growth in state revenue and by folding in some existing grant programs.

That may be a hard sell. The state's revenue forecast, released last month, projected income tax collections to grow by about 2.1% next year, less than half the rate of the previous two years, and budget writers are already trying to close a $380 million gap.

Rep. Dale Hutchings, chair of the House Appropriations Committee, said he supported the goals of the bill but would not commit to the dollar figure.

"Everybody wants to help kids," Hutchings said. "The question is what we stop paying for to do it, and nobody at that press conference answered that."

## Reaction in the districts

In Brannock, a rural district in the state's northeast where about 68% of students qualify for free or reduced-price meals, Superintendent Ellen Tsosie said the bill could mean roughly $1.9 million more a year for her 1,400 students.

"That's reading specialists. That's a counselor in every building. That's being able to pay teachers enough that they don't leave for the district an hour away," Tsosie said.

In Fairhollow, a suburban district outside Ashcombe expected to lose about $600,000 a year in state aid under the new formula, school board chair Mark Lindgren said he would urge lawmakers to revisit the hold harmless provision.

"We understand the need," Lindgren said. "But our costs don't go down just because the formula changed."

The Senate Education Committee has scheduled a hearing on the bill for next Tuesday. The legislative session is scheduled to adjourn in 11 weeks.`,
  },
  {
    slug: "legislative-session-five-things-to-watch",
    headline: "Five things to watch as the Lenmark Legislature opens a tight-budget session",
    summary:
      "A $380 million budget gap will hang over everything from housing to rural hospitals as lawmakers return to Ashcombe for a 90-day session with divided control.",
    dateline: "ASHCOMBE, Lenmark",
    desk: "statehouse",
    authors: ["declan-whitfield"],
    tags: ["Legislature", "State budget", "Housing"],
    publishedHoursAgo: 470,
    body: `Lawmakers return to the Capitol in Ashcombe on Monday for a 90-day session that leaders in both parties say will be dominated by a single number: the $380 million gap between what the state expects to collect and what it would cost to keep current programs running.

Gov. Evelyn Marchetti, a Democrat, will present her budget proposal in a joint address Tuesday. Republicans control the Senate by two seats; Democrats hold the House by four. Every bill that reaches the governor's desk will need at least some support from both sides.

Here are five issues likely to shape the session.

## 1. Closing the budget gap

The shortfall stems largely from slowing income tax growth and the end of one-time federal pandemic relief money that had propped up several state programs. Budget writers have three main levers: cuts, tapping the state's $1.1 billion rainy day fund, or new revenue.

Marchetti has signaled she will propose drawing about $150 million from reserves. Senate Majority Leader Curtis Vandermeer, a Republican, said he is open to using some reserves but will oppose any tax increase.

"The people of Lenmark are already stretched," Vandermeer said. "We're not going to balance this budget on their backs."

## 2. Housing costs

Median rent in the Ashcombe metro area has risen 41% in five years, according to the Lenmark Housing Finance Agency, and the state estimates it is short roughly 38,000 homes affordable to households earning less than half the area median income.

Bills already filed would loosen local zoning rules to allow duplexes and backyard cottages on residential lots, expand a state low-income housing tax credit, and create a fund to help renters facing eviction. Local governments have pushed back against any measure that limits their control over land use.

## 3. School funding

A bipartisan group of senators has been working since the summer on a rewrite of the state's K-12 funding formula, which a district judge ruled inadequate in 2022. The state Supreme Court has yet to rule on the appeal, and lawmakers in both parties say they would rather write a new formula than have one imposed.

The catch: most versions under discussion cost more than $150 million a year, in a year with no obvious money to spend.

## 4. Rural health care

Two rural hospitals closed their inpatient units last year, and the Lenmark Rural Hospital Association says six more are at risk. Expect debate over increasing payments to rural hospitals through LenmarkCare, the state's public health insurance program for low-income residents, and over a proposal to create a new license category for small hospitals that offer emergency care but no inpatient beds.

"Every month we wait, another community gets closer to losing its emergency room," said Rep. Tomasina Quarles, a Democrat from Brannock who is sponsoring the hospital license bill.

## 5. Water

With snowpack in the Kestrel Mountains running well below normal, farm-country lawmakers are expected to seek money to expand Cold Hollow Reservoir and to pay farmers to fallow land voluntarily in dry years. Separately, Sen. Harriet Oduya of Greyford has pre-filed a bill to create a loan fund for towns whose drinking water is contaminated by PFAS from state-owned sites.

## What else to know

- The session is scheduled to end on April 18.
- Bills must pass their chamber of origin by the **March 6** deadline to stay alive.
- Committee hearings are open to the public and streamed online, and written testimony can be submitted through the [Legislature's public comment portal](https://example.org/legislature/testimony).

House Speaker Ramona Delacroix said she expects the budget to be the last thing done, as usual.

"Everything else is a conversation," Delacroix said. "The budget is the one thing the constitution says we have to finish. And we will, even if it takes until the last night."

Veteran lobbyists and legislative staff said they expect a quieter session than last year's, when a fight over congressional district maps consumed weeks of floor time. But several cautioned that a tight budget tends to make every other negotiation harder, because lawmakers trade support on unrelated bills for money in the final spending plan.

"In a flush year, you can give everybody a little something," said former Senate President Arthur Keel, who served 16 years in the Legislature and now teaches at Lenmark State University. "In a year like this, somebody walks away with nothing, and they remember."

Riverbend Public News will cover the session every day it meets. Readers with questions about a bill or a lawmaker can send them to our statehouse desk at statehouse-tips@example.org.`,
  },
  {
    slug: "lawmaker-per-diem-non-meeting-days",
    headline: "Lenmark lawmakers collected $2.3 million in daily allowances last year, including for days the Legislature wasn't meeting",
    summary:
      "A Riverbend Public News analysis of payroll records found about $431,000 in per diem paid for days with no floor session or committee hearing. The rules allow it, and don't require lawmakers to say what they did.",
    dateline: "ASHCOMBE, Lenmark",
    desk: "statehouse",
    authors: ["jonah-kettering"],
    tags: ["Legislature", "Government accountability", "Data"],
    publishedHoursAgo: 188,
    withdrawal: {
      reason:
        "We have withdrawn this story. The allowance figures came from a legislative finance office export that, we have since learned, counted interim committee travel days twice, so the totals and the comparisons built on them were wrong. We are redoing the analysis and will publish it when it is complete.",
      hoursAfterPublish: 50,
    },
    body: `Lenmark's 150 state legislators collected about $2.3 million in daily expense allowances last year, and nearly a fifth of that money was paid for days when neither chamber held a floor session or committee meeting, according to a Riverbend Public News analysis of state payroll records.

The allowance, known as per diem, is meant to cover lodging and meals when lawmakers are in Ashcombe on legislative business. It is currently $182 a day. Lawmakers do not have to submit receipts, and state law lets them claim it for days spent on "legislative duties" even when the Legislature isn't in session.

The analysis matched payments for each lawmaker against the Legislature's official calendar of floor sessions and committee meetings. It found:

- about $431,000 was paid for days with no scheduled floor session or committee hearing,
- 22 lawmakers claimed per diem on more than 30 such days, and
- 14 lawmakers who live within 25 miles of the Capitol claimed the full lodging portion of the allowance.

The records, obtained through a public records request, cover payments made in the last calendar year. [The full data set and our methodology are available here](https://example.org/data/lenmark-per-diem).

## "Legislative duties" is broadly defined

Claiming per diem on non-meeting days is not against the rules. Lawmakers attend interim task forces, meet with constituents and agencies, and travel to conferences. The Legislature's administrative rules define legislative duties broadly and do not require members to document what they did on a given day.

Rep. Gordon Pryce, a Republican from Fairhollow who claimed per diem on 47 days outside the official calendar, said that time was spent on constituent work and meetings with state agencies.

"This job doesn't stop when the gavel comes down," Pryce said. "I'm meeting with school boards, with county commissioners, with people who have problems with a state agency. That's the work."

Pryce's district is about 18 miles from the Capitol. He said he often works late and stays in Ashcombe rather than drive home.

Sen. Imani Castellanos, a Democrat from Port Tallis, claimed no per diem on non-meeting days. She said the system needs more transparency, not necessarily less money.

"I don't think most of my colleagues are doing anything wrong," Castellanos said. "But if we're going to be paid for a day, the public should be able to see what that day was for."

## Low pay, loose rules

Legislative pay in Lenmark is low. Lawmakers earn a base salary of $24,500 a year, which hasn't been raised since 2008. Several legislators said per diem effectively supplements that salary and makes it possible for people who aren't wealthy or retired to serve.

"If you want a Legislature that's only lawyers and retirees, keep the pay where it is and cut the per diem," said Rep. Tomasina Quarles, a Democrat from Brannock, who lives about 210 miles from Ashcombe. "I can't afford to stay in a hotel for three months on my salary."

Good-government advocates say that is an argument for raising salaries openly rather than relying on a loosely documented allowance.

> "If lawmakers deserve a raise, they should vote for one in public and own it. Per diem shouldn't be a quiet workaround." — Harold Minsky, executive director of Open Lenmark

## What could change

A bill filed this session by Castellanos would require lawmakers to note the purpose of each per diem day on a publicly posted form and would bar lawmakers living within 50 miles of the Capitol from claiming the lodging portion.

A separate proposal from the Legislative Compensation Commission, an advisory panel, recommends raising base salary to $36,000 while tightening per diem rules. The Legislature would have to approve any change, and past attempts to raise lawmakers' pay have died without a floor vote in election years.

House Speaker Ramona Delacroix said through a spokesperson that she "welcomes a conversation about transparency" and would ask the House Rules Committee to review per diem policies this session.

Senate Majority Leader Curtis Vandermeer did not respond to requests for comment.

Riverbend Public News has published each lawmaker's per diem totals, along with the number of days claimed on and off the official calendar, in a searchable table alongside this story. Lawmakers were given a week to review their figures before publication; three provided explanations, which are noted in the table.`,
  },
  {
    slug: "duplex-zoning-bill-advances",
    headline: "House panel advances bill to allow duplexes statewide as analysis shows most residential land bans them",
    summary:
      "House Bill 212 cleared committee 8-5 with votes from both parties. In Lenmark's 12 largest cities, only single-family homes are allowed on 71% of land zoned for housing.",
    dateline: "ASHCOMBE, Lenmark",
    desk: "statehouse",
    authors: ["declan-whitfield", "jonah-kettering"],
    tags: ["Housing", "Zoning", "Legislature"],
    publishedHoursAgo: 8,
    update: {
      note: "This story has been updated with a response from Gov. Evelyn Marchetti's office, which was received after publication.",
      hoursAfterPublish: 6,
      addedParagraph:
        "After this story was published, Marchetti spokesperson Jordan Ekwueme said the governor \"supports the goal of making it legal to build more kinds of homes in more places\" and would \"look closely at the final version of HB 212,\" but did not say whether she would sign the bill as written.",
    },
    body: `A bill that would allow duplexes on nearly every residential lot in Lenmark's larger cities cleared its first hurdle Wednesday, advancing out of the House Housing and Local Government Committee on an 8-5 vote.

House Bill 212 would override local zoning rules that allow only one detached house per lot in cities with more than 10,000 residents. It would also let homeowners statewide add a backyard cottage or basement apartment, known as an accessory dwelling unit, without a special permit.

Supporters say the bill would help ease a housing shortage that has driven rents up sharply across the state. Opponents, including many city officials, say it strips local governments of decisions that should be made by the people who live there.

## Most land is off-limits

To understand how much the bill would change, Riverbend Public News analyzed zoning maps from Lenmark's 12 cities with more than 10,000 residents. The analysis found that on **71%** of land zoned for housing in those cities, only single-family detached homes are allowed. In three cities, Fairhollow, Greyford and Kessler, the figure is above 85%.

Only 9% of residentially zoned land in those cities allows buildings with four or more homes without a special permit or rezoning. [Our zoning data and methodology are available here](https://example.org/data/lenmark-zoning-analysis).

"People talk about the housing shortage like it's weather, something that just happens to us," said Rep. Naomi Castillo-Berg, a Democrat from Ashcombe and the bill's sponsor. "It's not. It's written into our zoning codes, and we can rewrite it."

## A bipartisan coalition, and bipartisan opposition

The committee vote did not split along party lines. Two Republicans joined six Democrats in voting yes. One Democrat joined four Republicans in voting no.

Rep. Fred Aumiller, a Republican from Wyeth County who voted for the bill, said he sees it as a property rights issue.

"If you own a lot and you want to build a second home on it for your mother, the city shouldn't be able to tell you no," Aumiller said.

Opponents focused on local control and infrastructure. Fairhollow Mayor Diane Kowalczyk testified that her city's sewer and water systems were designed for single-family densities and that upgrades would fall on existing residents.

> "We are not against housing. We are against a one-size-fits-all mandate written in Ashcombe for 12 very different cities." — Fairhollow Mayor Diane Kowalczyk

The Lenmark League of Cities has asked lawmakers to amend the bill to give cities three years to comply and to exempt areas where infrastructure is at capacity.

## What the bill would and would not do

Much of the testimony Wednesday reflected confusion about the bill's scope. As amended in committee, HB 212 would:

- allow duplexes on any lot zoned for a single-family home in cities of more than 10,000 people,
- allow one accessory dwelling unit per lot statewide, subject to local building codes,
- bar cities from requiring more than one off-street parking space per new unit, and
- give cities until July of next year to update their codes.

The bill would **not** require anyone to build anything, and it would not override historic district protections, floodplain rules or homeowners association covenants.

## What renters say

Among the witnesses was Keisha Marlow, a home health aide who rents an apartment in Ashcombe with her two children. She told the committee her rent has gone up by $410 a month in three years.

"I'm not asking for a handout," Marlow said. "I'm asking for there to be more places to live, so I'm not competing with 40 other people every time I look."

A fiscal note prepared by legislative staff estimated that the bill would have no direct cost to the state.

The bill now heads to the House Rules Committee, which decides which bills reach the floor. It must pass the House by the March 6 deadline to remain alive this session. A companion bill has not yet been introduced in the Senate, where Majority Leader Curtis Vandermeer has said he is "skeptical of anything that takes decisions away from city councils."

Gov. Evelyn Marchetti's office did not respond to a request for comment by publication time.`,
  },

  // --------------------------------------------------------------------- Health
  {
    slug: "sallow-valley-medical-center-closing",
    headline: "Sallow Valley Medical Center will close March 31, leaving Dunmore nearly an hour from an emergency room",
    summary:
      "The 22-bed hospital, the only one in Osgood County, has lost money in nine of the last 10 years. County ambulance crews say longer trips will leave the area short of coverage.",
    dateline: "DUNMORE, Lenmark",
    desk: "health",
    authors: ["priya-lindqvist"],
    tags: ["Hospitals", "Rural health", "Emergency care"],
    publishedHoursAgo: 44,
    body: `Sallow Valley Medical Center, the only hospital in Osgood County, will close on March 31, its board announced Monday, ending inpatient, emergency and laboratory services for roughly 14,000 people in a part of the state where the nearest alternative is almost an hour's drive away.

The 22-bed hospital has lost money in nine of the last 10 years, according to financial statements filed with the state. Its chief executive, Roberta Quinlan, said the hospital ran out of options after a planned merger with a larger health system fell through in December.

"We have spent three years trying every door," Quinlan told about 200 people who packed the Dunmore High School gymnasium Monday evening. "I am sorry. I know what this building means to this town."

## A long drive

Once the hospital closes, the nearest emergency department for most Osgood County residents will be at Ashcombe General Hospital, 52 miles east, or Kessler Memorial Hospital, 47 miles south on a two-lane highway that often closes during winter storms.

Osgood County Emergency Services Director Pete Landry said his ambulances will spend far longer on each call once they can no longer take patients to Dunmore. The county has three ambulances, and a round trip to Ashcombe takes about two and a half hours.

"Right now, if we get a heart attack and a car wreck at the same time, we can handle it," Landry said. "After March, if two trucks are on the road to Ashcombe, we've got one left for the whole county. That's the math that keeps me up at night."

Landry said the county is seeking state help to staff a fourth ambulance and is in talks with a private air ambulance service.

## Why rural hospitals are struggling

Sallow Valley's troubles mirror those of small hospitals across Lenmark. Rural hospitals serve older, poorer and sicker patients, a larger share of whom are covered by public insurance programs that often pay less than the cost of care. Fewer patients mean fixed costs, such as a 24-hour emergency room, a lab and an imaging department, are spread over fewer visits.

The hospital's inpatient census averaged 4.6 patients a day last year, according to its annual report to the Department of Health. It employs 161 people, making it the county's second-largest employer after the school district.

Recruiting staff has also become harder. Quinlan said the hospital spent $2.8 million last year on temporary traveling nurses, roughly double what it spent three years earlier.

## Could anything keep the doors open?

State lawmakers are considering a bill that would let small hospitals convert to a new "rural emergency hospital" license, keeping a 24-hour emergency department and outpatient services while giving up inpatient beds. Hospitals with that license would receive an additional fixed monthly payment from the state.

Rep. Tomasina Quarles, a Democrat from Brannock who is sponsoring the bill, said Sallow Valley is exactly the kind of hospital it was written for.

> "If this bill had passed two years ago, we might be talking about Dunmore keeping its ER instead of losing everything." — Rep. Tomasina Quarles

Quinlan said the board would consider reopening an emergency department under such a license if the bill passes and the payments are large enough, but that the hospital could not keep operating while it waits.

## What residents should know

The hospital said it will:

- keep its emergency department open until 7 a.m. on March 31,
- transfer patient records to the Dunmore Family Clinic, which will remain open, and
- run a records request line for former patients at 555-0188.

The hospital's [closure plan, as filed with the Department of Health](https://example.org/documents/svmc-closure-plan.pdf), also describes job placement help for employees. Quinlan said several larger hospitals have already contacted the hospital about hiring its nurses.

For Carol Henning, 78, the news was personal. Her husband was stabilized in the hospital's emergency room after a stroke in 2019 before being flown to Ashcombe.

"The doctors in Ashcombe told me those first 40 minutes in Dunmore saved his life," Henning said after Monday's meeting. "I don't know what happens to the next person."`,
  },
  {
    slug: "lenmarkcare-coverage-losses-paperwork",
    headline: "More than 61,000 Lenmark residents lost LenmarkCare coverage over paperwork, state data shows",
    summary:
      "Nearly two-thirds of people removed from the state's public health insurance program last year were dropped for procedural reasons, not because they were found ineligible. About 27,000 were children.",
    dateline: "ASHCOMBE, Lenmark",
    desk: "health",
    authors: ["priya-lindqvist"],
    tags: ["Health insurance", "LenmarkCare", "Children's health"],
    publishedHoursAgo: 118,
    body: `More than 61,000 people lost coverage through LenmarkCare, the state's public health insurance program for low-income residents, over the past year not because they were found ineligible, but because the state could not confirm their eligibility, according to data released by the Department of Human Services.

Those "procedural" terminations made up 64% of the roughly 95,000 people removed from the program during annual eligibility reviews, the data shows. Many were children.

Advocates say the numbers show that eligible families are falling through the cracks because of mailed forms that never arrived, phone lines with long waits and an online portal that frequently rejected uploaded documents.

"These are not people who got a raise and moved on to a job with insurance," said Beatriz Santangelo, policy director at the Lenmark Health Access Project, a nonprofit that helps people enroll in coverage. "These are families who are still eligible, who just didn't get through the paperwork maze."

## Children hit hard

About 27,000 of those who lost coverage for procedural reasons were under 19, according to the department's data. Some have since re-enrolled; the department said about 18% of people terminated for procedural reasons were back on the program within 90 days, a pattern known as "churn."

Pediatricians say even short gaps can mean missed checkups, delayed prescriptions and unpaid medical bills.

Dr. Samuel Whitehorse, a pediatrician at a community health center in Port Tallis, said his clinic has seen children arrive for appointments only to learn at the front desk that their coverage had ended.

"A mom brings in a kid with asthma who needs a refill on a controller inhaler, and she finds out in the waiting room that he's not covered anymore," Whitehorse said. "Some of them walk out without the medicine."

## What went wrong

In interviews, families and enrollment counselors described several common problems:

- **Outdated addresses.** Renewal notices went to old addresses, especially for families who moved in recent years.
- **Long call times.** The department's call center reported average wait times above 50 minutes during peak months.
- **Portal errors.** Counselors said the online system often rejected documents or timed out before applications could be submitted.

The department's own figures show that 31% of renewals were completed automatically, using data the state already has from tax and wage records. Counselors say a higher automatic rate would spare many families from having to return a form at all.

Department spokesperson Hollis Grant said the agency has added call center staff, updated its mailing address records and made changes to the online portal to reduce errors.

"We know that for some families this process has been frustrating," Grant said. "Our goal is that every eligible Lenmarker keeps their coverage, and we've made real improvements over the past year."

## Pressure from lawmakers

Several legislators have filed bills responding to the coverage losses. One would require the department to use all available state data to renew coverage automatically before sending a form to a family. Another would guarantee children 12 months of continuous coverage regardless of changes in household income.

Sen. Imani Castellanos, a Democrat from Port Tallis and the ranking minority member of the Senate Health Committee, said she has asked the committee's chair to hold a hearing on the department's renewal process this session.

> "If a family is eligible, the state's job is to keep them covered, not to find reasons to drop them." — Sen. Imani Castellanos

## If you lost coverage

People who lost coverage for procedural reasons can generally reapply at any time, and coverage may be backdated up to three months if the person was eligible during that period. The Lenmark Health Access Project offers free enrollment help at 555-0123 and has posted a [step-by-step guide to reapplying](https://example.org/guides/lenmarkcare-reapply).

Maria Delgado-Fenn, a cashier in Greyford, said she found out her two daughters had lost coverage when a pharmacy refused to fill a prescription for her younger daughter's ear infection. She said the renewal form went to an apartment the family had left two years earlier.

"I called for three days straight," she said. "They were eligible the whole time. Nobody told me anything until I was standing at the counter."

Her daughters were re-enrolled six weeks later.`,
  },
  {
    slug: "rural-ambulance-response-times",
    headline: "In nearly a third of Lenmark counties, ambulances take more than 20 minutes to reach urgent emergencies",
    summary:
      "A Riverbend Public News analysis of 410,000 ambulance calls found rural response times far longer than urban ones, as volunteer crews shrink and more calls are handed off to a second agency.",
    dateline: "TAMARACK, Lenmark",
    desk: "health",
    authors: ["jonah-kettering"],
    tags: ["Emergency medical services", "Rural health", "Data"],
    publishedHoursAgo: 820,
    body: `When Gary Pfeiffer collapsed in his barn outside Tamarack last August, his wife called 911 at 6:42 p.m. The volunteer ambulance from the Tamarack Fire District didn't have enough crew available, so the call went to the next service over. The ambulance arrived at 7:19 p.m., 37 minutes later.

Pfeiffer, 66, survived a heart attack, but his cardiologist told the family the delay had likely caused lasting damage to his heart.

"He did everything right. I did everything right," said Linda Pfeiffer. "We just live in the wrong place to have an emergency."

A Riverbend Public News analysis of more than 410,000 ambulance calls recorded in the state's emergency medical services database over three years found that the Pfeiffers' experience is far from unusual in rural Lenmark.

## What the data shows

In 10 of the state's 33 counties, the median response time for the most urgent 911 calls, those for cardiac arrest, stroke, serious injury and similar emergencies, was longer than 20 minutes. In the state's five most urban counties, the median was under 9 minutes.

Other findings:

- In Wyeth and Bexley counties, one in 10 urgent calls took more than 40 minutes.
- About 14% of urgent calls statewide were handed off to a second agency because the first could not respond, up from 8% three years ago.
- Response times were slowest on weekday afternoons, when many volunteer crew members are at their regular jobs.

Response time is measured from when the ambulance agency receives the call to when the ambulance arrives at the scene. The analysis excluded calls with missing or clearly erroneous times, about 6% of the total. [Our full methodology and county-by-county results are here](https://example.org/data/lenmark-ems-response-times).

## A volunteer system under strain

Much of rural Lenmark relies on volunteer or mostly volunteer ambulance services. The state's EMS office counts 74 licensed ground ambulance agencies; 41 of them depend primarily on volunteers.

The number of licensed emergency medical technicians in Lenmark has fallen by 17% since 2018, according to state licensing data, even as call volumes have grown with an aging population.

Trish Vanderhoek has run the Tamarack service for 12 years. She said the squad had 31 active volunteers when she started. Today it has 13.

"These are people who get paged at 3 in the morning and then go to work at 7," Vanderhoek said. "They do it for their neighbors. But you can't build a health care system on people's goodwill forever."

Unlike police and fire protection, emergency medical services are not considered an essential service under Lenmark law, which means counties are not required to provide or fund them. Most rural services are paid for through a patchwork of insurance billing, local levies, donations and pancake breakfasts.

## Paying for it

Some counties have begun to fill the gap themselves. Osgood County voters approved a small property tax levy in 2022 to pay for two full-time paramedics, and the county's median response time has since improved by about four minutes.

Dr. Rachel Abernathy, the state's EMS medical director, said she supports legislation that would designate EMS as an essential service and create a state grant program for rural agencies.

> "For cardiac arrest, every minute without CPR and defibrillation lowers the chance of survival. Response time is not an abstraction. It is the difference between who lives and who doesn't." — Dr. Rachel Abernathy

Abernathy also urged people in rural areas to learn CPR, noting that bystander CPR can double or even triple a person's chances of surviving cardiac arrest before an ambulance arrives.

Linda Pfeiffer has since taken a CPR class at the Tamarack fire hall and bought an automated external defibrillator for the farm.

"I don't ever want to be standing there counting minutes again," she said.`,
  },
  {
    slug: "brannock-birthing-unit-closure",
    headline: "With Brannock's birthing unit closing, a third of Lenmark counties will have no place to deliver a baby",
    summary:
      "Brannock Community Hospital will stop delivering babies next month, the fourth labor and delivery unit in Lenmark to close in three years. Expectant parents face drives of an hour or more.",
    dateline: "BRANNOCK, Lenmark",
    desk: "health",
    authors: ["priya-lindqvist"],
    tags: ["Maternal health", "Rural health", "Hospitals"],
    publishedHoursAgo: 215,
    body: `Brannock Community Hospital will stop delivering babies on the last day of next month, hospital officials confirmed Tuesday, making it the fourth labor and delivery unit in Lenmark to close in three years.

Once it closes, 11 of the state's 33 counties will have no hospital that offers obstetric care, according to a Riverbend Public News review of hospital licensing records. About 1 in 8 Lenmark women of childbearing age will live more than 45 minutes from the nearest birthing unit.

Brannock Community Hospital administrator Jerome Whitley said the unit delivered 96 babies last year, down from 160 a decade ago, and that the hospital could no longer staff it safely.

"To run a birthing unit you need an obstetric provider, an anesthesia provider and nurses trained in labor and delivery available around the clock," Whitley said. "When you're averaging two births a week, that's a very expensive promise to keep, and we have struggled to find people to keep it."

The hospital has relied on traveling nurses and a rotating group of family physicians to cover deliveries since its only full-time obstetrician retired last spring.

## Longer drives, higher risks

After the closure, expectant parents in Brannock will have to drive 61 miles to Kessler Memorial Hospital or 70 miles to Ashcombe General Hospital to give birth.

Researchers have found that when rural hospitals stop delivering babies, more births happen in emergency rooms without obstetric units, in cars or at home without planning, and rates of preterm birth can rise.

Kayla Brightwater, who is 31 weeks pregnant with her second child, lives on a ranch about 15 miles outside Brannock. Her first baby was born at Brannock Community less than four hours after her first contraction.

"My midwife told me to plan to leave for Kessler the minute anything starts," Brightwater said. "That road can still ice over in March. I've been looking at hotels near the hospital for my due date, but I don't know how we'd pay for a week of that."

## Prenatal care will continue

The hospital will keep offering prenatal visits and postpartum care through its clinic, and Whitley said its emergency department will remain prepared to handle unexpected deliveries. Emergency staff will complete additional training in obstetric emergencies, he said.

Dr. Hannah Ostrowski, an obstetrician at Kessler Memorial, said her unit is preparing for more patients but worries about those who will arrive late in labor.

> "The births I worry about aren't the planned ones. They're the ones where something goes wrong fast, and the family is 45 minutes from anyone who can do a C-section." — Dr. Hannah Ostrowski

## What could help

Health policy researchers and advocates point to several measures that could slow the closures or soften their effects:

- higher LenmarkCare payment rates for deliveries at low-volume rural hospitals, since the program covers about half of births in rural Lenmark,
- grants to help rural hospitals train family physicians and nurses in obstetrics, and
- lodging assistance for pregnant people who live far from a birthing hospital in the final weeks of pregnancy.

Rep. Tomasina Quarles, a Democrat who represents Brannock, said she plans to amend her rural hospital bill to add a maternity care grant program.

"Nobody should have to choose between giving birth in a truck on the highway and going into debt for a hotel room," Quarles said.

The Department of Health's [most recent maternal health report](https://example.org/documents/lenmark-maternal-health-report.pdf) found that rural residents were more likely than urban residents to begin prenatal care late, and that the state's rate of severe maternal complications has risen over the past decade.

Brightwater said she is grateful her prenatal appointments will stay in town. But she has started packing a go bag, and a second one for the truck.

"My husband keeps saying we'll be fine," she said. "I'm keeping the towels in the back seat anyway."`,
  },
];

// ---- the syndication side: partners, licensing inquiries and what partners did with the stories

export interface DemoRun {
  /** story slug */
  story: string;
  /** Views on the first full day; later days decay from it (see ./usage-history.ts). */
  peakViews: number;
  /** Days until daily views halve. */
  halfLifeDays: number;
  /** How the attribution checker found the partner's page. */
  check: "compliant" | "missing-credit";
  /** A second copy of the page (an AMP or app edition) on a subdomain, with this share of the views. */
  ampShare?: number;
}

export interface DemoPartner {
  outlet: string;
  website: string;
  contactName: string;
  email: string;
  audience: number;
  evidence: string;
  intendedUse: string;
  /** Where the partner's article pages live, under its website: `${website}${pathPrefix}${slug}`. */
  pathPrefix: string;
  runs: DemoRun[];
}

export interface DemoInquiry {
  name: string;
  organisation: string;
  email: string;
  website: string;
  intendedUse: string;
  medium: "web" | "print" | "broadcast" | "app" | "newsletter" | "other";
  territory: string;
  expectedVolume: string;
  message: string;
}

/** Approved for the free program: a portal login, an API key, and thirty days of republishing. */
export const demoFreePartner: DemoPartner = {
  outlet: "Tamarack Valley Herald",
  website: "https://www.valleyherald.example",
  contactName: "Ruth Abernathy",
  email: "ruth.abernathy@valleyherald.example",
  audience: 84_000,
  evidence:
    "Google Analytics export for the last twelve months attached on request: 84,000 monthly unique visitors on average. Weekly print edition of 6,200 copies across Tamarack and Greyford counties.",
  intendedUse:
    "We would run Riverbend's environment and statehouse coverage on our website and in our weekly print edition, with the credit line and a link back, alongside our own local reporting.",
  pathPrefix: "/news/",
  runs: [
    { story: "rural-ambulance-response-times", peakViews: 1180, halfLifeDays: 4, check: "compliant" },
    { story: "legislative-session-five-things-to-watch", peakViews: 1420, halfLifeDays: 3, check: "compliant" },
    { story: "lenmarkcare-coverage-losses-paperwork", peakViews: 860, halfLifeDays: 3, check: "compliant" },
    { story: "kessler-coal-ash-pond-closure-plan", peakViews: 940, halfLifeDays: 3.5, check: "compliant", ampShare: 0.12 },
    { story: "lawmaker-per-diem-non-meeting-days", peakViews: 1320, halfLifeDays: 2.5, check: "compliant" },
    { story: "sallow-river-irrigation-cutoff-warning", peakViews: 1510, halfLifeDays: 4, check: "compliant", ampShare: 0.1 },
    { story: "wildfire-smoke-school-air-filters", peakViews: 720, halfLifeDays: 3, check: "missing-credit" },
    { story: "greyford-wells-pfas-limit", peakViews: 2240, halfLifeDays: 3, check: "compliant", ampShare: 0.15 },
    { story: "senate-school-funding-formula-rewrite", peakViews: 640, halfLifeDays: 2.5, check: "missing-credit" },
  ],
};

/** A licensee: a public broadcaster that asked through the licensing form and signed a license. */
export const demoLicenseeInquiry: DemoInquiry = {
  name: "Tomas Reyes",
  organisation: "Northline Public Media",
  email: "treyes@northline.example",
  website: "https://northline.example",
  intendedUse:
    "Health and statehouse stories on our website and read on air in our morning newscast, across our five transmitters in northern Lenmark.",
  medium: "broadcast",
  territory: "Northern Lenmark (five counties)",
  expectedVolume: "About 20 stories a month",
  message: "We would also like to use your photos where the license allows. Our board meets on the 3rd; a one-year term would suit us.",
};

/** What the licensee ran once its license began. */
export const demoLicenseeRuns: DemoRun[] = [
  { story: "brannock-birthing-unit-closure", peakViews: 1650, halfLifeDays: 3.5, check: "missing-credit" },
  { story: "lawmaker-per-diem-non-meeting-days", peakViews: 1890, halfLifeDays: 2.5, check: "compliant" },
  { story: "sallow-valley-medical-center-closing", peakViews: 3120, halfLifeDays: 3, check: "compliant" },
  { story: "greyford-wells-pfas-limit", peakViews: 1270, halfLifeDays: 3, check: "compliant" },
  { story: "duplex-zoning-bill-advances", peakViews: 980, halfLifeDays: 2.5, check: "compliant" },
];

/** The licensee's pages: `${website}${path}${slug}`. */
export const demoLicenseePathPrefix = "/news/riverbend/";

/** How the license reads. */
export const demoLicense = {
  terms:
    "Northline Public Media may publish Riverbend Public News stories in full on northline.example and read them on air, with the credit line of each story. No resale or sublicensing. Photos may be used with the story they illustrate.",
  fee: "USD 4,800 a year",
  /** The license began this many days before the demo's "now", and runs for a year from then. */
  startedDaysAgo: 21,
  termDays: 365,
};

/** Still pending review: too small for the program's default audience rule, so an editor decides. */
export const demoPendingApplication = {
  outlet: "Kestrel County Courier",
  website: "https://kestrelcourier.example",
  contactName: "Ansel Brightwater",
  email: "news@kestrelcourier.example",
  audience: 12_500,
  evidence: "Our newsletter has 9,800 subscribers and the website about 12,500 monthly visitors (Plausible).",
  intendedUse: "Republish Riverbend's rural health coverage in our Thursday newsletter and on our website.",
};

/** An inquiry nobody has answered yet. */
export const demoOpenInquiry: DemoInquiry = {
  name: "Imogen Vale",
  organisation: "Lenmark Farm Bureau Quarterly",
  email: "editor@farmbureauquarterly.example",
  website: "https://farmbureauquarterly.example",
  intendedUse: "Reprint the Sallow River irrigation story, and future water-rights coverage, in our member magazine.",
  medium: "print",
  territory: "Lenmark",
  expectedVolume: "Two or three stories a quarter",
  message: "We are a member magazine with 14,000 print copies. Is a per-story fee possible?",
};
