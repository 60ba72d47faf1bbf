"""Round 55 (benchmarks/r55_coop.py): the text files of the invented Holmbrook Housing Co-operative share, verbatim, as
a tester (h6, round 55) wrote them (CC0; every name, place, number and address is invented: .example mail domains,
Ofcom drama numbers). `TEXTS[name]` is the file's whole text, written as UTF-8 (the .eml as its quoted-printable
source, the .rtf as its ASCII source). HELD-OUT: never used to tune anything."""

TEXTS = {
 'members_handbook_2026.md': '''\
# Holmbrook Housing Co-operative Ltd
## Members' Handbook

*Edition 6 — January 2026. Please keep this somewhere safe; the office has spare copies.*

Holmbrook is a fully mutual housing co-operative (registered society no. 24117R). We own and manage 42 homes on
Holmbrook Road, Castlebeck: **Mill House** (flats 1–18), **Weaver's Court** (flats 19–34) and **Tenter Cottages**
(houses 35–42). There is no landlord — the members are the landlord. Everything from fixing the gutters to setting the
rent is decided by members, at general meetings or through the committee.

### 1. Becoming a member

* Every adult (18 or over) named on a tenancy must be a member. Members who move out stop being members.
* You become a member by buying **one £1 share**. Shares can't be sold or cashed in and pay no interest.
* New members must come to an induction session within **3 months** of moving in. Sessions are run by the
  membership & participation officer, usually on a Tuesday evening.

### 2. What we expect from you

Being a member isn't just paying the rent. In return for a secure home at a fair rent we ask every member to:

1. Put in at least **6 hours a month** of co-op work — committee, a working group, the gardening rota, stair cleaning,
   the newsletter, helping at events. Hours are logged in the book in the Common Room.
2. Come to at least 3 of the 4 general meetings each year (send apologies if you can't).
3. Keep to the house rules and treat neighbours, other members and our co-op worker with respect.

Members aged 75 or over, and members with a health condition or caring responsibilities, can ask the committee for a
reduced participation commitment. Nobody has to tell the whole meeting why.

### 3. General meetings

The general meeting is the co-op's governing body. There are four a year, held on the **last Sunday of February,
May, August and November at 2pm** in the Common Room (Mill House, ground floor). The November meeting is the AGM,
which elects the committee and approves the accounts.

A general meeting is quorate when **15 members** are present. Motions must reach the secretary 14 days before the
meeting. Papers go out 7 days before.

### 4. The committee

The committee has 7 members, each elected at the AGM for two years (about half stand down each year). It meets on the
second Tuesday of every month at 7.30pm. Any member may attend as an observer, except for confidential items such as
arrears and allocations. Contact details are on the committee contacts sheet.

### 5. Rent

Rent is set each year at the February general meeting and changes on the first Monday in April. It is charged weekly
but most members pay monthly by standing order on the 1st. If you fall more than **4 weeks** behind, the treasurer will
contact you to agree a repayment plan. Please talk to us early — we'd much rather help than take action.

### 6. Transfers and allocations

You can ask to transfer to another Holmbrook home (for example a bigger flat when your family grows) once you have
held your tenancy for **12 months** and your rent account is clear. Transfer requests go to the allocations officer
and are decided by the allocations working group using the points system in the Allocations Policy.

New members are chosen from our waiting list, which is open to anyone over 18 with a housing need and a connection
to Castlebeck. The waiting list is currently closed to new applicants (since September 2025).

### 7. Lodgers and subletting

Subletting your whole home is not allowed and is grounds for ending your tenancy. You may take in a lodger with the
committee's written permission; the lodger does not become a member.

### 8. Leaving

To end your tenancy give **4 weeks' notice in writing** to the office, ending on a Sunday. Hand back all keys and
fobs by noon on the last day. We will inspect the home before you go; any rechargeable repairs will be taken from the
final rent account.
''',
 'holmbrook_herald_spring_2026.md': '''\
HOLMBROOK HERALD  ~  Spring 2026  ~  issue 112
==============================================

_the newsletter of Holmbrook Housing Co-op, put together by the newsletter group (thanks Ade, Mo and Kerry!)_

----

**WELCOME!**  A big Holmbrook welcome to Marta and Jonas Berg and their little boy Leo, who moved into flat 17 in
April. Say hello if you see them in the lift.

**39 and counting**  Did you know the co-op was founded in **1987**, when a group of tenants facing eviction
bought Mill House from a private landlord for £1 each plus a (very large) loan from the council. Weaver's Court
came in 1994 and Tenter Cottages in 2003. We'll do something big for the 40th next year — ideas to Eleanor.

**Dr Bike is coming**
Free bike check-ups and small repairs in the courtyard on **Saturday 25 April, 10am-1pm**. Bring your bike, your
kids' bikes, anything with wheels. Tea and flapjack by the garden group.

**Summer party**  — Saturday 18 July from 3pm in the courtyard (Common Room if wet). Bring a dish to share. We
need people for the barbecue, the music and the kids' treasure hunt: sign up on the sheet in the Common Room.

**Best balcony & garden 2026**
The competition is back! Judging will be on Sunday 9 August by our guest judge from Castlebeck in Bloom. Categories:
best balcony, best front garden (cottages), best window box. Prizes are garden centre vouchers.

**Food waste**
Food waste caddies are now in all three bin stores. Little green caddies for your kitchen are free from the office.
Please use the compostable liners, not plastic bags!

**Common Room kitchen**
The new kitchen in the Common Room is finished — new cooker, fridge and a proper dishwasher. Please wash up and take
your rubbish home after using it.

**Plant swap**  Sunday 10 May, 11am, outside Weaver's Court. Spare seedlings, cuttings, pots.

**Noise**
A gentle reminder that sound travels in Mill House. Quiet hours are in the house rules. If a neighbour is noisy, try
talking to them first; if that doesn't work, tell the office.

----
_Copy for the summer Herald to the office by 30 June. Photos welcome._
''',
 'general_meeting_minutes_2026-02-22.txt': '''\
HOLMBROOK HOUSING CO-OPERATIVE LTD
Minutes of the General Meeting, Sunday 22 February 2026, 2.00pm, Common Room

Chair: Ruth Adeyemi        Minutes: Tomasz Nowak (acting secretary)
Present: 27 members (quorate).  Apologies: 6.  Also present: Jo Whitley (co-op worker)

1. WELCOME & APOLOGIES
   Ruth welcomed everyone, especially the four members at their first general meeting.

2. MINUTES OF LAST MEETING (30 Nov 2025 AGM)
   Agreed as a true record. Matters arising: the bike store stands have been ordered (see 7).

3. RENT 2026/27 AND BUDGET
   Graham Pilling (treasurer) presented the draft budget. Main pressures: the boiler replacement in
   Mill House (loan repayments start this year), insurance up 11%, and the lift contract.
   The committee proposed a rent increase of 4% from 6 April 2026 and no change to service charges
   except where costs have changed (see the rent table).
   VOTE: for 21, against 4, abstentions 2. CARRIED.
   A member asked whether the cottages should pay towards the lift. Graham explained they don't:
   the lift is part of the Mill House service charge only.

4. ELECTION OF SECRETARY
   Sian Rees stood down as secretary in December (moving to Bristol - thanks Sian!). Tomasz Nowak
   was the only nomination and was elected unopposed until the AGM.

5. MOTION: "That dogs should be allowed in all Holmbrook homes" (proposed by flat 26)
   Discussion about noise, lifts, and the gardens. Several members with allergies spoke against.
   VOTE: for 9, against 16, abstentions 2. DEFEATED. The pets policy stays as it is.

6. GARDEN
   Priya Raman reported on the garden group. Agreed to spend up to GBP 650 on two raised beds for the
   courtyard, wheelchair height, so that members who can't kneel can grow veg. The gardening rota
   for 2026 will go up on the noticeboard by the end of February.

7. BIKE STORE
   12 new Sheffield stands being fitted in the Mill House basement bike store in March. Code for the
   door changes on 1 April - ask Jo.

8. ANY OTHER BUSINESS
   - Parking: the committee is looking at a permit scheme because of commuters parking in our car
     parks. Proposals to the May committee; members will be e-mailed.
   - Kerry (flat 29) asked for a defibrillator. Committee to look into costs.

Next general meeting: Sunday 31 May 2026 at 2pm in the Common Room.
Meeting closed 4.05pm.
''',
 'move_in_checklist.txt': '''\
MOVING IN - CHECKLIST FOR NEW MEMBERS
(Holmbrook Housing Co-op - tick them off as you go!)

BEFORE THE KEYS
[ ] Sign your tenancy agreement and the membership form (at the office with Jo)
[ ] Buy your GBP 1 share - you get a share certificate
[ ] Set up a standing order for your rent - paid on the 1st of every month
[ ] Give us your contact number and an emergency contact

ON THE DAY
[ ] Collect your keys from Jo: 2 front door keys, 1 building fob (Mill House and Weaver's Court only)
    and 1 post box key
[ ] Take meter readings (gas and electricity) and photos of them. The electricity meter is in the cupboard
    by your front door; gas meters for the flats are in the ground floor meter room (Jo has the key)
[ ] Find your stopcock - in every home it is under the kitchen sink
[ ] Test the smoke alarm (press the button) and the carbon monoxide alarm
[ ] Moving furniture? You can use the Mill House lift, but book it with the office first: 2 hours max,
    and hang the protective lift pads (from the office). The Weaver's Court lift is too small for sofas.

IN THE FIRST MONTH
[ ] Register for council tax with Castlebeck Council. Flats in Mill House and Weaver's Court are band A,
    Tenter Cottages are band B
[ ] Choose your gas & electricity supplier (you can switch, it's your account)
[ ] Get contents insurance - the co-op's insurance covers the building, NOT your belongings
[ ] Book your induction session (must be within 3 months of moving in)
[ ] Sign up for something in the participation book - you need 6 hours a month

AFTER 6 WEEKS
[ ] Home visit from the membership officer to see how you are settling in and sort any snags
    (snagging repairs reported in the first 6 weeks are never recharged)

Bins: general waste is collected on Mondays, recycling every other Thursday. Bin stores are at the end of
each building; cottages have their own wheelie bins.
''',
 'house_rules.html': '''\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>House Rules - Holmbrook Housing Co-op</title>
<link rel="stylesheet" href="/style.css"></head>
<body>
<header><a href="/">Holmbrook Housing Co-op</a> &middot; <a href="/members">Members</a> &middot; <a href="/contact">Contact</a></header>
<article>
<h1>House Rules</h1>
<p class="meta">Agreed by the general meeting, 26 May 2024. These rules are part of your tenancy agreement.</p>

<h2>Noise</h2>
<p>Please keep noise down at all times, and especially during quiet hours:</p>
<table>
<thead><tr><th>Nights</th><th>Quiet from</th><th>Until</th></tr></thead>
<tbody>
<tr><td>Sunday to Thursday</td><td>10.30pm</td><td>7.30am</td></tr>
<tr><td>Friday and Saturday</td><td>11.30pm</td><td>9am</td></tr>
<tr><td>Bank holidays (and the night before)</td><td>11.30pm</td><td>9am</td></tr>
</tbody>
</table>
<p>If you are having a party, tell your neighbours at least 48 hours before. DIY and power tools only between 9am and 6pm.</p>

<h2>Balconies and gardens</h2>
<ul>
<li>No barbecues of any kind (charcoal, gas or electric) on balconies. The communal barbecue in the courtyard can be booked through the office.</li>
<li>Satellite dishes are not permitted on any building. All homes are connected to the communal aerial, which has Freeview and Freesat.</li>
<li>Window boxes must be fixed on the inside of the railings.</li>
<li>Cottage front gardens must be kept tidy; back gardens are your own business (within reason!).</li>
</ul>

<h2>Smoking and vaping</h2>
<p>No smoking or vaping in any shared area: stairs, lifts, corridors, the Common Room, bin stores and the bike store. Please don't smoke within 5 metres of a building entrance.</p>

<h2>Shared areas</h2>
<ol>
<li>Nothing may be left in corridors or on landings (fire safety): no bikes, buggies, shoe racks or plants.</li>
<li>Bikes go in the bike store in the Mill House basement or the shed behind Weaver's Court. Mobility scooters may be charged only in the scooter room.</li>
<li>Fire doors must never be wedged open.</li>
<li>Bulky rubbish must not be left in the bin stores: use the skip days or book a council collection.</li>
</ol>

<h2>Alterations</h2>
<p>You may decorate inside your home as you like. You need the maintenance officer's written permission before you remove or build a wall, fit a new kitchen or bathroom, lay laminate or wooden floors in an upstairs flat, or change a front door.</p>

<h2>Breaking the rules</h2>
<p>Most problems are sorted out by a friendly word. If not, the committee will write to you. Serious or repeated breaches can lead to action under your tenancy agreement.</p>
</article>
<footer>Holmbrook Housing Co-operative Ltd &middot; Common Room, Mill House, Holmbrook Road, Castlebeck CB4 7HT</footer>
</body>
</html>
''',
 'pets_policy.html': '''\
<html><head><title>Pets policy</title></head>
<body>
<div id="content">
<h1>Holmbrook Housing Co-op &ndash; Pets Policy</h1>
<p><i>Adopted by the general meeting on 27 August 2023. Reviewed by the committee February 2026 (no change, see the minutes of the February general meeting).</i></p>

<h3>Why we have a policy</h3>
<p>Many of us love animals, but we share stairs, lifts and gardens, and some members have allergies. This policy tries to be fair to everyone.</p>

<h3>What you can keep</h3>
<p><b>Without asking:</b> small caged animals (hamsters, guinea pigs, rabbits kept indoors, birds in a cage) and fish do not need permission. Please keep numbers sensible.</p>
<p><b>With written permission from the committee:</b> one cat <u>or</u> one dog per household (not both).</p>
<ul>
<li>Dogs may be kept only in Tenter Cottages and in ground-floor flats (Mill House flats 1&ndash;4 and Weaver's Court flats 19&ndash;22).</li>
<li>Cats must be neutered and microchipped. Cats in upstairs flats must be kept indoors (no cat flaps in flat doors).</li>
<li>Dogs must be kept on a lead in all shared areas, and are not allowed in the Common Room or the children's play area.</li>
<li>You must clean up after your pet straight away.</li>
</ul>
<p>Assistance dogs are always allowed and do not count as your pet.</p>

<h3>How to ask</h3>
<p>Fill in the pet application form (form P1, from the office) and give it to Jo. The committee will decide within <b>28 days</b>. If you already have a pet when you are offered a home, tell the allocations officer before you sign.</p>

<h3>If things go wrong</h3>
<p>If a pet causes a nuisance, damage or a hygiene problem the committee will write to you. After two written warnings the committee may withdraw permission, and you will be given 3 months to rehome the animal. Damage caused by a pet is a rechargeable repair.</p>
</div>
</body></html>
''',
 'rechargeable_repairs_2026.csv': '''\
Repair,Charge (office hours),Charge (out of hours),What it covers
Replacement front door key,£18,£18,one key cut; bring ID
Replacement post box key,£9,£9,
Lock change after keys lost or stolen,£95,£160,new lock and 2 keys
Forced entry (member locked out),£65,£120,plus lock change if needed
Unblocking toilet or sink (misuse),£55,£90,e.g. wipes or nappies
Replacement window glass (standard pane),£120,£180,not if caused by a break-in with a crime number
Replacing a smoke alarm removed by member,£35,£35,
Removing rubbish left in shared areas,£40 per hour,£40 per hour,minimum 1 hour
Repainting after unauthorised decoration of shared areas,£150,n/a,per landing
Pet damage to doors or carpets,at cost,at cost,quote given first
''',
 'gardening_rota_2026.csv': '''\
Date,Where,Flats/houses on the rota,Lead,Job
Sat 14 Mar,Courtyard,"3, 20, 36",Priya (flat 12),cut back & mulch beds
Sat 28 Mar,Mill House front,"6, 24, 39",Ade (flat 2),weed + edge the lawn
Sat 11 Apr,Courtyard,"9, 27, 41",Priya (flat 12),build the 2 new raised beds
Sat 25 Apr,Weaver's Court back,"1, 22, 35",Mo (house 40),plant potatoes & onions
Sat 9 May,Courtyard,"14, 33, 37",Priya (flat 12),sow veg in raised beds
Sat 23 May,Tenter Cottages verge,"5, 19, 42",Ade (flat 2),wildflower strip
Sat 6 Jun,Mill House front,"11, 28, 38",Mo (house 40),hedge trim
Sat 20 Jun,Courtyard,"8, 31, 40",Kerry (flat 29),watering system + weeding
Sat 4 Jul,Weaver's Court back,"16, 25, 36",Priya (flat 12),weeding + first harvest
Sat 18 Jul,Courtyard,"2, 21, 39",Kerry (flat 29),tidy up for the summer party (10am-12 only)
Sat 1 Aug,Mill House front,"13, 30, 41",Mo (house 40),lawn + deadheading
Sat 15 Aug,Courtyard,"7, 26, 35",Ade (flat 2),harvest + seed saving
Sat 29 Aug,Weaver's Court back,"10, 23, 37",Priya (flat 12),hedge trim
Sat 12 Sep,Courtyard,"4, 34, 42",Kerry (flat 29),compost bins
Sat 26 Sep,Tenter Cottages verge,"15, 32, 38",Mo (house 40),cut wildflower strip
Sat 10 Oct,Mill House front,"17, 29, 40",Ade (flat 2),plant spring bulbs
Sat 24 Oct,Courtyard,"12, 18, 33",Priya (flat 12),leaves + put beds to bed for winter
''',
 'email_parking_permits.eml': '''\
From: Tomasz Nowak <secretary@holmbrook-coop.example>
To: members@holmbrook-coop.example
Subject: Car parking - permits from 1 July
Date: Thu, 28 May 2026 19:12:40 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Dear all,

As promised at the February general meeting, here are the new parking arra=
ngements the committee agreed on 12 May. They start on Wednesday 1 July 2026=
.

Why: for the last year commuters and shoppers have been using our car parks =
(they are the nearest free parking to the station), and members often can't=
 park at all.

What changes:

* Every household that wants one gets ONE free permit for the car park by its=
 building (Mill House car park: 14 spaces, Weaver's Court car park: 10 spaces=
).
* A permit for a second car costs =C2=A360 a year and is only given if there ar=
e spaces left after first permits. There is a waiting list.
* Visitor permits (paper, up to 3 days at a time) can be picked up from the o=
ffice.
* Bays 1 and 2 in Mill House car park are for Blue Badge holders only.
* The two electric car chargers in the Mill House car park stay as they are (=
28p per kWh, pay through the app). Please move your car when it's charged.

How to apply: fill in the form attached (or one from the office) and bring yo=
ur V5C logbook to Jo by Friday 19 June 2026. Permits will be posted through =
your door in the last week of June.

Cars without a permit will get a warning notice first. After that they may b=
e removed by Parkwise Ltd at the owner's cost.

Any questions, reply to this e-mail or catch me at the Tuesday drop-in.

Tomasz
Secretary, Holmbrook Housing Co-op
''',
 'email_skip_day_june.eml': '''\
From: Shazia Begum <repairs@holmbrook-coop.example>
To: members@holmbrook-coop.example
Subject: SKIP DAY Saturday 6 June
Date: Tue, 26 May 2026 08:05:17 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hi everyone

Spring clear-out time! We've got two big skips coming on Saturday 6 June. Th=
ey'll be in the Weaver's Court car park from 9am to 3pm (so please don't par=
k there on the Friday night).

Things that CAN'T go in the skip: fridges and freezers, TVs and computer sc=
reens, paint and chemicals, gas bottles, mattresses, tyres, plasterboard. For=
 those, book a bulky collection from Castlebeck Council.

Working group volunteers will be there to help carry things down from Mill =
House - 2 hours counts towards your participation hours as usual.

Thanks
Shazia (maintenance officer)
''',
 'guest_room_and_common_room.rtf': r'''{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}
\f0\fs22
{\b\fs28 Booking the Guest Room and the Common Room\par}
\par
{\b The Guest Room\par}
We have a guest room (flat 19a, ground floor of Weaver's Court) with a double bed, a sofa bed and a shower room. It is for members' visitors only - family and friends who come to stay.\par
\par
- Price: \'a312 per night (bedding and towels included).\par
- You can book it for up to 4 nights in a row, and for no more than 10 nights a year per household.\par
- Book through the office at least 7 days ahead. Jo keeps the diary.\par
- The member who books is responsible for their guests and for leaving the room clean.\par
- Collect the key from the office on the day, return it by 11am on the day your guests leave.\par
\par
{\b The Common Room\par}
Members can hire the Common Room (Mill House, ground floor) for a private party or family event.\par
\par
- Hire: \'a325 for an evening (6pm to 11pm), free for co-op events and working groups.\par
- Refundable deposit: \'a350, returned if the room is left clean and undamaged.\par
- Music off by 10.30pm Sunday to Thursday and by 11pm on Friday and Saturday.\par
- No more than 40 people.\par
- The Common Room cannot be hired by non-members.\par
\par
Bookings: Jo Whitley, co-op office, 0113 496 0721, office@holmbrook-coop.example\par
}
''',
}
