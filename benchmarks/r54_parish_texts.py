"""Round 54 (benchmarks/r54_parish.py): the text files of the invented Ashcombe Parish Council share, verbatim, as
a tester (h6) wrote them (CC0; every name, place, number and address is invented). `TEXTS[name]` is the file's
whole text, written as UTF-8 (the .eml as its quoted-printable source). Held-out: never used to tune anything."""

TEXTS = {
 'ashcombe_news_summer_2026.md': '''\
Ashcombe Parish News — Summer 2026 (issue 38)
==============================================

*delivered free to every household in the parish — 640 copies*

**From the Chair**
What a spring! The hall roof is finally done (no more buckets in the kitchen), and the speed gun is out on Station Road most weeks. Thank you to everyone who came to the Annual Parish Meeting — 37 of you, a record. — *Marion Treloar*

**Defibrillators**
There are now three public-access defibrillators in the parish:
* outside the Ship Inn, Fore Street (cabinet code: ring 999 and they'll give it you)
* on the wall of the Village Hall by the main door
* at Trewen chapel (new this year, paid for by the Trewen Jubilee fund)
Free CPR & defib training with Cornwall Community First Responders: Wednesday 15 July, 7pm, Village Hall. Book with Liz Pengelly.

**Playground appeal**
We're raising £18,000 to replace the wooden climbing frame (it failed its safety inspection in February and has been taped off). The plan is a new multi-play unit with a basket swing suitable for disabled children. Donations by cheque to "Ashcombe Parish Council" or via the link on the website. Current total on the thermometer by the shop!

**Dates for your diary**
- 28 June — Open Gardens, 5 gardens, £6 a ticket from the shop
- 11 July — Summer Fete (see poster)
- 8 August — Ashcombe Regatta (no Saturday market that day)
- 19 September — Community litter pick
- 5 November — Bonfire & fireworks on the playing field, gates 6pm

**Dog fouling**
We've had more complaints this year. There are 9 dog bins around the village; a map is on the noticeboard. Fixed penalty for not picking up is £100 (Cornwall Council enforces this, not us).

**New councillor wanted**
Still one seat empty in Trewen ward. If you're 18+ and live or work in the parish, talk to Rachel at the Reading Room. It's about 2 evenings a month.

**Bus times**
The 527 bus to St Austell now runs hourly Mon–Sat, first bus 7.12am from the Square, last back from St Austell 6.40pm. No Sunday service (we're lobbying Go Cornwall about this).
''',
 'bylaw_allotments.md': '''\
# Ashcombe Parish Council
## Allotment Rules (Bylaw No. 7) — adopted 14 November 2019, amended 11 January 2024

1. **Tenancy**
   1.1 Tenancies run from 1 October to 30 September each year.
   1.2 Only residents of the parish may hold a tenancy. A tenant who moves out of the parish may keep the plot until the end of the current tenancy year.
   1.3 No tenant may hold more than one full plot (or two half plots).

2. **Rent**
   2.1 Rent is due on 1 October and must be paid within 40 days.
   2.2 Tenants aged 65 and over, and those receiving Universal Credit, pay half rent.
   2.3 Rent is not refunded if the tenancy ends part way through the year.

3. **Cultivation**
   3.1 At least 75% of the plot must be under cultivation at all times between April and October.
   3.2 Tenants must keep paths next to their plot cut and clear (paths are 0.6 m wide).
   3.3 Trees may not be planted except fruit trees on dwarf rootstock, and not more than 3 per plot.

4. **Structures**
   4.1 One shed (max 2.4 m x 1.8 m) and one greenhouse or polytunnel (max 3 m x 2 m) are permitted per full plot, with written permission from the Clerk.
   4.2 Carpet, tyres and asbestos sheeting must not be brought onto the site.

5. **Animals**
   5.1 Hens (no cockerels) may be kept with written permission, up to 6 birds per full plot.
   5.2 Dogs must be kept on a lead at all times.

6. **Bonfires**
   6.1 Bonfires are permitted only between 1 November and 28 February, and only after 4pm. Only dry garden waste may be burned.

7. **Water**
   7.1 Hoses may not be connected to the water troughs. Water may be taken by can only.
   7.2 The water supply is turned off from 1 November to 31 March.

8. **Inspections and termination**
   8.1 Plots are inspected in May, July and September.
   8.2 A tenant whose plot is found untidy will receive a first warning letter and will have 28 days to put it right. If nothing changes, a second letter gives a further 14 days, after which the tenancy may be ended with one month's notice.

9. **Deposit**
   9.1 New tenants pay a key deposit of £20, refunded when the key is returned.
''',
 'bylaw_street_trading.html': '''\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Street Trading and Market Rules | Ashcombe Parish Council</title>
<style>nav{display:none}</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/council">Council</a> | <a href="/market">Market</a></nav>
<main>
<h1>Ashcombe Saturday Market &amp; Street Trading Rules</h1>
<p><em>Adopted by Full Council 9 September 2021. Reviewed October 2025 (no changes).</em></p>
<h2>1. When and where</h2>
<p>The market is held every Saturday from 8am to 1pm on the Square and the lower part of Fore Street. Traders may set up from 7am and must have cleared their pitch by 2pm. There is no market on the Saturday of the Ashcombe Regatta (in 2026: 8 August) or on Boxing Day if it falls on a Saturday.</p>
<h2>2. Pitches</h2>
<ol>
<li>Pitches are 3m x 3m. A double pitch (6m x 3m) may be booked for hot food vans.</li>
<li>Pitches are booked through the Market Manager, <strong>Colin Jewell</strong> (market@ashcombe-pc.example, 07700 900532), no later than 5pm on the Wednesday before.</li>
<li>Casual traders who have not booked may be given a pitch on the day at the Market Manager's discretion, at the casual rate.</li>
<li>A regular trader who misses 3 consecutive Saturdays without notice loses their regular pitch.</li>
</ol>
<h2>3. Insurance and hygiene</h2>
<p>All traders must hold public liability insurance of at least <strong>£5 million</strong> and show the certificate when first booking. Food traders must also show a food hygiene rating of 3 or above and their local authority food business registration.</p>
<h2>4. Vehicles</h2>
<p>Vehicles must be moved off the Square by 7.45am, except hot food vans booked on a double pitch. Trader parking is in the Quarry Road car park (free for traders before 9am, display the trader card).</p>
<h2>5. Generators and noise</h2>
<p>Petrol generators are not permitted. Electric hook-up is available on pitches 1–6 for an extra charge (see fees). Amplified music is not allowed without the Clerk's prior written consent.</p>
<h2>6. Waste</h2>
<p>Traders must take away all their waste. A £25 cleaning charge will be made to any trader who leaves rubbish on their pitch.</p>
<h2>7. Street trading outside market days</h2>
<p>Anyone wishing to trade on the highway in the parish on other days (e.g. an ice cream van, a Christmas tree stall) must obtain a street trading consent from Cornwall Council, not the parish council. The parish council is consulted on each application.</p>
</main>
<footer>&copy; Ashcombe Parish Council 2026 · <a href="/privacy">Privacy</a> · <a href="/accessibility">Accessibility</a></footer>
</body></html>
''',
 'councillors_and_contacts.md': '''\
# Who's who at Ashcombe Parish Council

Last updated: 20 April 2026

## Councillors

| Name | Role | Ward | Committees | Phone |
|------|------|------|-----------|-------|
| Marion Treloar | Chair | Village | Finance, Planning | 01726 880412 |
| Dev Anand | Vice-Chair | Village | Planning, Speedwatch lead | 07700 900315 |
| Pete Hollis | Councillor | Trewen | Amenities | 01726 880977 |
| Sandra Okafor | Councillor | Village | Finance | 07700 900628 |
| Jim Bracewell | Councillor | Quarry Road | Amenities, Allotments | 01726 881203 |
| Liz Pengelly | Councillor | Trewen | Amenities | 07700 900144 |
| Tom Ferris | Councillor | Village | Planning | 07700 900871 |

There is **one vacancy** (Trewen ward) following the resignation of Cllr Andy Sharrock in January. Co-option applications close on 30 April 2026.

## Parish Clerk
Rachel Voss is the Parish Clerk and Responsible Financial Officer. She works 18 hours a week, Monday to Wednesday.
Email: clerk@ashcombe-pc.example  ·  Phone: 01726 880300 (answerphone outside office hours)
Office: The Old Reading Room, Chapel Street, Ashcombe. Open to the public Tuesdays 10am–1pm.

## Other contacts
- Allotments secretary: Jim Bracewell (see above)
- Village Hall bookings: Sue Kittow, 01726 880555, bookings@ashcombehall.example
- Tree warden: Gerald Nance
- Footpaths volunteer: Anne Rowse

Councillor surgeries are held the first Saturday of each month, 10–11am, in the Old Reading Room.
''',
 'email_summer_fete_2026.eml': '''\
From: Rachel Voss <clerk@ashcombe-pc.example>
To: councillors@ashcombe-pc.example
Subject: Summer fete 2026 - arrangements & who is doing what
Date: Mon, 18 May 2026 09:42:11 +0100
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Hi all,

Quick round-up after Saturday's fete planning meeting, so we're all on the sa=
me page.

Date: Saturday 11 July 2026, 12 noon - 5pm on the playing field (wet weather:=
 in the Village Hall).
Opening: Dr Helen Carthew (retired GP) has kindly agreed to open it at 12.

Who's doing what:
 - Marion: raffle (prizes so far: hamper from Trelawny Farm Shop, =C2=A350 vo=
ucher from the Ship Inn)
 - Dev: parking on the school field, needs 4 marshals
 - Sandra: cake stall + teas
 - Jim: dog show (entry =C2=A32 per class, 5 classes, judging from 2pm)
 - Liz: children's races and face painting
 - Me: St John Ambulance booked (confirmed), insurance notified, 30 tables fr=
om the hall

Budget agreed at =C2=A3900, incl. =C2=A3350 for the bouncy castle from Kernow=
 Kastles.
Entry is free; profits go to the new playground equipment fund (we're at =C2=
=A36,480 of the =C2=A318,000 target).

Could everyone send me their volunteer names by Friday 26 June please.

Thanks,
Rachel

--
Rachel Voss, Parish Clerk
Ashcombe Parish Council =C2=B7 01726 880300
''',
 'faq_bins_recycling.html': '''\
<html><head><title>Bins, recycling and litter - FAQ</title></head><body>
<div class="page">
<h1>Bins, recycling &amp; litter: your questions answered</h1>
<p>We get a lot of questions about bins. Most household collections are run by Cornwall Council (through their contractor Biffa), <b>not</b> by the parish council, but here's what we know.</p>

<h3>Which day are the bins collected?</h3>
<p>In Ashcombe village general rubbish and recycling are collected on <b>Tuesdays</b>. Trewen and Higher Trewen are collected on <b>Thursdays</b>. Rubbish is collected every fortnight, recycling every week, food waste every week.</p>

<h3>My bin wasn't emptied, who do I call?</h3>
<p>Report a missed collection to Cornwall Council online or on 0300 1234 141 within 2 working days. The parish clerk can't arrange a re-collection.</p>

<h3>Is there a garden waste collection?</h3>
<p>Yes, but it's a paid subscription from Cornwall Council (£58 a year for 2026/27). Alternatively the nearest household waste recycling centre is at Gaverigan, open 9am–5pm daily except Wednesday.</p>

<h3>Who empties the litter bins on the Square and the playing field?</h3>
<p>The parish council does. Our lengthsman, <b>Barry Pascoe</b>, empties the 14 parish litter bins on Mondays and Fridays, and the dog bins on Mondays and Thursdays.</p>

<h3>Can I borrow litter-picking kit?</h3>
<p>Yes! We have 12 litter pickers, hi-vis vests and bags for loan. Ask at the Old Reading Room on a Tuesday morning. The big community litter pick is on Saturday 19 September 2026, meeting at the Square at 10am.</p>

<h3>Fly-tipping?</h3>
<p>Please don't touch it (it may contain sharp or hazardous things) &ndash; report it to Cornwall Council with a photo and a what3words location. The parish council will pay a reward of up to £250 for information leading to a successful prosecution.</p>

<h3>Can I get an extra recycling box?</h3>
<p>Boxes and bags are free from Cornwall Council; you can also pick up a pack of reusable recycling sacks from the Old Reading Room.</p>
</div>
<p class="small">Page updated 3 March 2026</p>
</body></html>
''',
 'fees_and_charges_2026-27.csv': '''\
Service,Unit,Charge 2025/26,Charge 2026/27,Notes
Allotment - full plot (250 sq m),per year,£42.00,£42.00,half rent for 65+ and Universal Credit
Allotment - half plot,per year,£24.00,£24.00,
Allotment key deposit,one-off,£20.00,£20.00,refundable
Market pitch - regular (booked),per Saturday,£14.00,£15.00,
Market pitch - casual (on the day),per Saturday,£18.00,£20.00,at Market Manager's discretion
Market pitch - double (hot food),per Saturday,£26.00,£28.00,
Market electric hook-up,per Saturday,£5.00,£6.00,pitches 1-6 only
Market cleaning charge,per occasion,£25.00,£25.00,rubbish left on pitch
Playing field - adult football match,per match,£35.00,£38.00,includes changing rooms
Playing field - junior football match,per match,£15.00,£15.00,
Playing field - event/fete use,per day,£120.00,£130.00,charities 50% off
Noticeboard poster (commercial),per month,£5.00,£5.00,free for community groups
Copy of minutes (paper),per page,£0.10,£0.10,free by email
Memorial bench plaque,one-off,£180.00,£195.00,bench supplied by council; 10 years
''',
 'letter_mill_lane_roadworks.txt': '''\
                                             Ashcombe Parish Council
                                             The Old Reading Room
                                             Chapel Street
                                             Ashcombe PL26 9QX

                                             2 June 2026

To the residents of Mill Lane, Ford Cottages and Higher Mill

Dear Resident,

Re: Mill Lane footpath resurfacing and road closure

I am writing on behalf of the Parish Council to let you know that Cornwall
Council Highways have now confirmed the dates for the resurfacing of the
footpath and carriageway on Mill Lane, between the ford and the junction with
Station Road.

The works will start on Monday 22 June 2026 and are expected to last 8 working
days (so, finishing around Wednesday 1 July, weather permitting). The
contractor is Kernow Surfacing Ltd.

During the works Mill Lane will be CLOSED to through traffic from 9.30am to
4pm each weekday. Residents will be able to get to and from their homes
outside those hours, and there will be a banksman on site at all times to help
with access in an emergency. The signed diversion is via Station Road, the
B3274 and Trewen Hill - about 3.5 miles.

Bin collections: Biffa have agreed to collect Mill Lane bins before 9am on the
Tuesdays during the works, so please have your bins out the night before.

School walking route: children walking to Ashcombe School should use the
permissive path across the playing field, which will be open from 8am. The
school has been told.

If you have any questions about the works themselves please contact the
Highways contact centre on 0300 1234 222 quoting reference HW/26/7731. For
anything else, you are welcome to contact me.

Yours faithfully,

Rachel Voss
Parish Clerk
clerk@ashcombe-pc.example  -  01726 880300
''',
 'minutes_full_council_2026-03-12.md': '''\
# Ashcombe Parish Council — Full Council Meeting

**Minutes** of the meeting held on Thursday 12 March 2026 at 7.00pm in the Ashcombe Village Hall (Committee Room).

Present: Cllr Marion Treloar (Chair), Cllr Dev Anand (Vice-Chair), Cllr Pete Hollis, Cllr Sandra Okafor, Cllr Jim Bracewell, Cllr Liz Pengelly
In attendance: Rachel Voss (Parish Clerk & RFO), 4 members of the public, PCSO Kerry Mabbott (for item 4 only)

## 1. Apologies
Apologies were received from Cllr Tom Ferris (work) and accepted. Cllr Hollis said he'd have to leave by 8.30.

## 2. Declarations of interest
Cllr Bracewell declared a non-pecuniary interest in item 9 (he is an allotment tenant on the Quarry Road site).

## 3. Minutes of the last meeting
The minutes of 12 February 2026 were approved as a correct record and signed by the Chair. Proposed Cllr Okafor, seconded Cllr Anand, all in favour.

## 4. Police report
PCSO Mabbott reported 3 incidents of theft from vans on Chapel Street since January, and one report of off-road bikes on the Common. Residents are asked to report to 101. She will hold a drop-in "cuppa with a copper" at the Hall on 28 March, 10am–12noon.

## 5. Public participation
- A resident of Mill Lane raised the condition of the footpath by the ford — very muddy, children slipping on way to school. Clerk to report to County Highways.
- Mrs Eileen Dunn asked about the bench by the bus shelter (broken slats). Cllr Pengelly to look at it.

## 6. Finance
6.1 Payments for February totalling £3,418.60 were approved (list attached to the clerk's report).
6.2 Bank balance at 28 Feb: £41,207.15 (current a/c £6,207.15, reserve a/c £35,000.00).
6.3 The precept for 2026/27 was confirmed at **£58,500** (an increase of 4.2% on last year), as agreed at the January meeting.
6.4 Internal auditor for 2025/26: the council resolved to appoint Hartley Audit Services at a fee of £385.

## 7. Village Hall roof
Three quotes received for the flat roof over the kitchen:
- Carne Roofing £7,850
- S. Polglase & Son £6,920
- Westward Building Ltd £9,400 (incl. new guttering)

Resolved to accept the quote from S. Polglase & Son (£6,920), work to be done in the Easter holidays. Cllr Hollis abstained.

## 8. Planning applications
- PA26/00412 — 14 Fore Street, rear extension. No objection.
- PA26/00455 — Land at Higher Trewen Farm, 6 holiday lodges. **Objection**: access onto the B3274 is unsafe and the site is outside the development boundary.

## 9. Allotments
The waiting list now stands at 11 names. Plot 14 on Quarry Road has been untended since last summer; the clerk has sent a first warning letter. Council agreed to split two full plots at Quarry Road into half plots to shorten the list. Rents for 2026/27 unchanged (see fees schedule).

## 10. Speedwatch
Cllr Anand reported the Community Speedwatch group now has 7 trained volunteers and recorded 46 vehicles over 36mph in the 30mph limit on Station Road in February. The group would like a second speed camera gun (approx £1,200). Deferred to April meeting pending a grant from the Police & Crime Commissioner fund.

## Action items
| # | Action | Who | By |
|---|--------|-----|----|
| 1 | Report Mill Lane footpath to County Highways | Clerk | 20 Mar |
| 2 | Inspect bench at bus shelter, get price for repair | Cllr Pengelly | April mtg |
| 3 | Instruct Polglase & Son, confirm Easter dates | Clerk | 19 Mar |
| 4 | Send second warning letter re plot 14 if no reply | Clerk | 10 Apr |
| 5 | Apply to PCC fund for speed gun | Cllr Anand | 31 Mar |

Meeting closed 9.12pm. Next meeting: Thursday 9 April 2026, 7pm.
''',
 'minutes_full_council_2026-04-09.txt': '''\
ASHCOMBE PARISH COUNCIL
MINUTES OF THE MEETING OF THE FULL COUNCIL
held Thurs 9th April 2026, 7pm, Village Hall

PRESENT: Cllrs M Treloar (Chair), D Anand, T Ferris, S Okafor, J Bracewell
IN ATTENDANCE: R Voss (Clerk), 9 members of public

26/041 APOLOGIES - Cllr Hollis (holiday), Cllr Pengelly (unwell). Accepted.

26/042 DECLARATIONS - none.

26/043 MINUTES of 12 March 2026 approved & signed.

26/044 MATTERS ARISING
 a) Mill Lane footpath: Highways have inspected and put it on the resurfacing
    programme for "summer 2026". Clerk to chase for a firm date.
 b) Bench at bus shelter - Cllr Pengelly sent quote via clerk: replacement slats
    £145 from Treviscoe Joinery. APPROVED.
 c) Hall roof - Polglase started 6 April, expected to finish 17 April.

26/045 PUBLIC PARTICIPATION
 Several residents of Station Rd re: lorries using the lane as a cut-through
 to the quarry. Council to write to Trewen Aggregates Ltd asking drivers to
 use the A-road. One resident asked if the council could install a 20mph limit;
 the Chair explained this is a County matter but council will support a
 request.

26/046 SPEEDWATCH - PCC grant of £1,000 awarded!! Council to fund the
 balance (£215) from the community safety budget. Resolved unanimously.

26/047 FINANCE
 Payments for March: £5,902.33 approved.
 The clerk's salary scale point was updated to SCP 22 from 1 April per the
 national agreement.
 Insurance renewal with Came & Co: £1,127.40 for 2026/27 (last year £1,064).
 Approved.

26/048 GRANTS (community grants scheme, 1st round 2026)
 - Ashcombe Toddlers: £400 for new soft play mats. AWARDED
 - Ashcombe Gig Club: £750 towards oars. AWARDED £600
 - St Petroc's Church: £1,000 towards clock repair. DEFERRED - need 2nd quote
 - Ashcombe Players (drama): £250 for lighting. AWARDED
 Total awarded this round: £1,250

26/049 ANNUAL PARISH MEETING - to be held Thursday 14 May 2026 at 6.30pm,
 before the Annual Council Meeting at 7.30pm.

26/050 CORRESPONDENCE - letter from Ashcombe School thanking council for the
 donation to the Year 6 residential trip.

Closed 8.47pm.

Actions:
 - Clerk: chase Highways re Mill Lane date
 - Clerk: write to Trewen Aggregates re lorries (by 17/4)
 - Cllr Anand: order speed gun once PCC money received
 - Clerk: ask St Petroc's for 2nd quote, back to June meeting
''',
}
