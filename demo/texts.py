"""Phrase banks for the demo's mentions, written for the project (cues of docs/taxonomy.md).

A bucket is ``(stage, sentiment, topic)``; each holds several phrasings with slots:
``{brand}`` (short brand name), ``{product}``, ``{noun}`` (jacket, tee, backpack), ``{other}``
(the other brand), ``{size}``, ``{colour}``, ``{days}``, ``{weeks}``, ``{weekday}``,
``{weekday2}``, ``{month}``. Texts stay short: the demo classifies every one of them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

Bucket = tuple[str, str, str | None]

SENTENCES: dict[Bucket, tuple[str, ...]] = {
    # -- ZMOT: researching before buying ----------------------------------------------------
    ("zmot", "neutral", None): (
        "Has anyone tried the {brand} {product}? Thinking of ordering one.",
        "Thinking of buying the {product} from {brand}, any thoughts before I order?",
        "Looking for a {noun} for a trip in {month}. Is the {brand} {product} worth a look?",
        "Anyone here own the {product}? Trying to decide before the sale ends.",
        "Which is better for everyday use, the {brand} {product} or something from {other}?",
        "Before I order: how does the {brand} {product} hold up after a year?",
        "Torn between the {brand} {product} and the {other} one. Any recommendations?",
    ),
    ("zmot", "neutral", "size_fit"): (
        "Does the {product} run small? I'm usually a {size}.",
        "Question for owners: should I size up in the {brand} {product}?",
        "How long is the {product} on someone around 180 cm?",
        "Is the {brand} {product} true to size? I'm between a {size} and the next one up.",
    ),
    ("zmot", "neutral", "price_value"): (
        "Is the {product} worth full price or should I wait for a sale?",
        "Does {brand} ever discount the {product}? I want one but the price is steep.",
        "Is the {brand} {product} really worth the money compared with {other}?",
    ),
    ("zmot", "positive", None): (
        "Read nothing but good reviews of the {brand} {product}, so I'm finally ordering one.",
        "Everyone on the hiking forum seems happy with {brand}. The {product} is next on my list.",
        "The reviews of the {product} convinced me, it's going in my basket this weekend.",
    ),
    ("zmot", "negative", "delivery"): (
        "Was about to order the {product} but all the reviews about late deliveries put me off.",
        "Reading about {brand} shipping delays right now. Is it still that bad before I buy?",
        "Anyone ordered from {brand} recently? Hearing horror stories about delivery and I'm "
        "hesitating.",
    ),
    # -- FMOT: the offer at the point of purchase -------------------------------------------
    ("fmot", "negative", "website_app"): (
        "The checkout kept rejecting my card on the {brand} site.",
        "The site crashed twice at checkout and I gave up.",
        "Search on the {brand} website can't even find the {product} by name.",
        "The checkout page froze right after I entered my address.",
        "Payment page timed out three times before my order went through.",
    ),
    ("fmot", "positive", "website_app"): (
        "Checkout on the {brand} site took about a minute, really smooth.",
        "Easy to find everything on the website and paying with my saved card was painless.",
        "The product page answers every question, with measurements and fabric details.",
    ),
    ("fmot", "negative", "app"): (
        "The app crashes every time I open my basket.",
        "The app logs me out whenever I get to the payment screen.",
        "Latest update broke the size filter, the app shows items that are sold out.",
        "Can't apply a discount code in the app, it just spins forever.",
        "The order tracking screen in the app is blank since the update.",
    ),
    ("fmot", "positive", "app"): (
        "The new {brand} app is quick and the size filter actually works.",
        "Ordering in the app takes seconds, the saved sizes are a great touch.",
        "Clean app, fast search, and checkout with Apple Pay in two taps.",
        "Finally an app that remembers my size and shows real photos of every colour.",
    ),
    ("fmot", "negative", "design"): (
        "The {product} looks nothing like the photos, the {colour} is much duller in person.",
        "Not as pictured: the product photos make the fabric look far heavier than it is.",
        "The colour on the website is completely different from the {noun} I received.",
    ),
    ("fmot", "positive", "design"): (
        "The photos on the product page don't do the {colour} justice, it's even nicer in person.",
        "Exactly as pictured, the product photos are honest.",
    ),
    ("fmot", "negative", "price_value"): (
        "The promo code from the newsletter didn't work at checkout.",
        "The price jumped by twenty dollars between the product page and checkout.",
        "The Black Friday discount disappeared from my basket at the payment step.",
    ),
    ("fmot", "positive", "price_value"): (
        "Got the {product} for 30% off in the sale and the discount applied without any hassle.",
        "The newsletter code knocked fifteen percent off at checkout, nice touch.",
    ),
    ("fmot", "negative", "size_fit"): (
        "Couldn't find a size chart anywhere on the {product} page.",
        "The size guide on the site has no measurements for the {product}, just S, M and L.",
    ),
    # -- AMOT: after paying, before using ---------------------------------------------------
    ("amot", "negative", "delivery"): (
        "Ordered on {weekday} and it still hasn't shipped after {days} days.",
        "Tracking hasn't updated in over a week.",
        "My order has been stuck at processing for {weeks} weeks.",
        "The package arrived with the box crushed and the {noun} soaked.",
        "{days} days and no sign of my order, the tracking link just says label created.",
        "Still waiting on a {product} I ordered {weeks} weeks ago.",
        "Delivery date pushed back three times now.",
        "The courier marked my parcel as delivered but it never arrived.",
        "Paid for express shipping and the parcel took {days} days.",
    ),
    ("amot", "positive", "delivery"): (
        "Ordered on {weekday}, it was on my doorstep by {weekday2}.",
        "Arrived in two days and well packed.",
        "Shipping was fast and the tracking updated at every step.",
        "The package showed up a day earlier than promised.",
        "Delivery is quick again, my last order came in three days.",
    ),
    ("amot", "neutral", "delivery"): (
        "Ordered the {product} yesterday, tracking says it arrives on {weekday}.",
        "Order confirmed, now waiting for the shipping email.",
        "Parcel is with the courier, estimated delivery {weekday}.",
    ),
    ("amot", "negative", "customer_service"): (
        "Emailed support three times about where my order is and got no reply.",
        "Customer service keeps sending the same copy-paste answer about my missing package.",
        "They cancelled my order without notice and the refund took {weeks} weeks.",
        "Spent forty minutes on hold just to ask where my parcel is.",
        "The chat bot closes the conversation every time I ask about my late order.",
    ),
    ("amot", "positive", "customer_service"): (
        "Support found my lost parcel and sent a replacement the same day.",
        "The chat agent fixed my wrong address within minutes and the order still arrived on time.",
        "They apologised for the delay, upgraded my shipping and refunded the postage.",
    ),
    # -- SMOT: using the product ------------------------------------------------------------
    ("smot", "positive", "product_quality"): (
        "Quality is excellent, the fabric feels properly premium.",
        "Well made, the stitching is neat everywhere.",
        "Still looks new after months of daily use.",
    ),
    ("smot", "negative", "product_quality"): (
        "Fell apart after one wash.",
        "The stitching came loose within a month.",
        "Cheap feel, the fabric pilled after a few wears.",
    ),
    ("smot", "neutral", "size_fit"): (
        "Runs a size small, order up.",
        "Sleeves are on the long side, so size down if you're between sizes.",
        "The cut is slim, so go one size up if you like room to layer.",
    ),
    ("smot", "positive", "size_fit"): (
        "Fits perfectly, true to size.",
        "Great cut with room for a layer underneath.",
        "Comfortable all day, nothing rubs or pinches.",
    ),
    ("smot", "negative", "size_fit"): (
        "Way too tight across the shoulders, even in a {size}.",
        "The sleeves are far too short for me.",
        "Fit is boxy and shapeless, nothing like the size chart.",
    ),
    ("smot", "positive", "design"): (
        "Love the {colour}, it looks even better after a few wears.",
        "Simple, clean design that goes with everything I own.",
    ),
    ("smot", "negative", "customer_service"): (
        "Asked support about my faulty {noun} and was told the warranty doesn't cover it.",
        "Support wanted photos, receipts and a video before they'd even look at my faulty {noun}.",
    ),
    ("smot", "positive", "customer_service"): (
        "My {noun} failed after a month and support sent a new one under warranty, no fuss.",
        "Support replaced my faulty {noun} within a week, great service.",
    ),
    ("smot", "negative", "returns_refunds"): (
        "Returned the {product} because the seams split, and the refund took a month.",
        "Sent the faulty {noun} back six weeks ago and still no refund.",
    ),
    ("smot", "positive", "returns_refunds"): (
        "Didn't fit, and the exchange was easy and free.",
        "Returned a {noun} that was too big and had the refund in three days.",
    ),
    ("smot", "negative", "price_value"): (
        "Waste of money, it isn't worth half what I paid.",
        "Too expensive for what you get.",
    ),
    ("smot", "positive", "price_value"): (
        "Worth every penny.",
        "Great value for the quality.",
    ),
    # -- UMOT: the verdict that reaches others ----------------------------------------------
    ("umot", "positive", "recommendation"): (
        "I recommend {brand} to everyone who asks.",
        "Already bought the {product} in two more colours.",
        "{brand} is my go-to brand for outdoor gear now.",
        "Told all my friends about {brand}, and two of them have ordered since.",
        "Third {noun} from {brand} and definitely not the last.",
        "Would buy again in a heartbeat, highly recommended.",
        "My sister saw mine and ordered the same {product} the next day.",
    ),
    ("umot", "negative", "recommendation"): (
        "Never ordering from {brand} again.",
        "Don't waste your money, buy from anyone else.",
        "Done with {brand}. I'm switching to {other} for good.",
        "Warning everyone I know to stay away until they sort out their deliveries.",
        "Lost a loyal customer, I won't be back.",
        "I used to recommend {brand} to everyone. Not any more.",
    ),
}

# Product-specific sentences where the generic ones would be bland.
PRODUCT_SENTENCES: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("jacket", "positive", "product_quality"): (
        "The {product} kept me completely dry through a full day of rain.",
        "Taped seams, solid zips, and it packs down small.",
        "Wore the {product} through a windy week in the hills and it was perfect.",
    ),
    ("jacket", "negative", "product_quality"): (
        "The zip on my {product} broke after two weeks.",
        "Started leaking at the shoulders on the first rainy walk.",
        "The coating peeled off the inside of the {product} after a few months.",
    ),
    ("tee", "positive", "product_quality"): (
        "The merino is so soft and doesn't itch at all.",
        "Wore the {product} four days straight on a hike and it still didn't smell.",
        "Washes well and keeps its shape.",
    ),
    ("tee", "negative", "product_quality"): (
        "Got a hole in the {product} after three washes.",
        "Shrank a full size after one wash on cold.",
        "The seams on the {product} twisted after the first wash.",
    ),
    ("backpack", "positive", "product_quality"): (
        "The canvas is thick and the stitching is flawless.",
        "Carried it every day for a year and it looks better with age.",
        "Fits my 16-inch laptop with room to spare and the straps are comfy.",
    ),
    ("backpack", "negative", "product_quality"): (
        "One of the straps tore off after a month.",
        "The bottom seam of the {product} is already coming apart.",
        "The buckle snapped the first time I loaded it properly.",
    ),
}

TITLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("zmot", "neutral"): (
        "{brand} {product}: worth it?",
        "Thoughts on the {brand} {product}?",
        "{product} sizing question",
        "{brand} vs {other}?",
    ),
    ("zmot", "positive"): ("Finally ordering the {product}", "Convinced by the reviews"),
    ("zmot", "negative"): (
        "Are {brand} deliveries still slow?",
        "Hesitating to order from {brand}",
    ),
    ("fmot", "negative"): ("Frustrating to order", "Poor shopping experience"),
    ("fmot", "positive"): ("Smooth ordering", "Great shopping experience"),
    ("amot", "negative"): (
        "{brand} order still not shipped",
        "Where is my order?",
        "Stuck in processing",
        "Terrible delivery experience",
        "Parcel never arrived",
    ),
    ("amot", "positive"): ("Fast delivery", "Arrived early", "Quick and well packed"),
    ("amot", "neutral"): ("Order placed", "Waiting for my parcel"),
    ("smot", "positive"): ("Love my {product}", "{product} after six months", "Great quality"),
    ("smot", "negative"): ("{product} fell apart", "Disappointed with the quality", "Poor fit"),
    ("smot", "neutral"): ("{product} fit notes", "Sizing tip"),
    ("umot", "positive"): ("My go-to brand", "Highly recommend {brand}", "Bought another one"),
    ("umot", "negative"): ("Never again", "Avoid {brand}", "Lost a customer"),
}

# Titles that only fit one topic (checked before the stage/sentiment ones).
TOPIC_TITLES: dict[Bucket, tuple[str, ...]] = {
    ("fmot", "negative", "website_app"): ("Checkout broken?", "Website keeps failing"),
    ("fmot", "negative", "design"): ("Not as pictured", "Misleading photos"),
    ("fmot", "negative", "price_value"): ("Promo code didn't work", "Hidden costs at checkout"),
    ("fmot", "negative", "size_fit"): ("No size chart", "Size guide is useless"),
    ("fmot", "positive", "website_app"): ("Easy checkout", "Smooth ordering"),
    ("fmot", "positive", "design"): ("Exactly as pictured", "Even nicer than the photos"),
    ("fmot", "positive", "price_value"): ("Great sale", "Good discount"),
    ("amot", "negative", "customer_service"): ("Support ignores me", "Order cancelled, no reply"),
    ("amot", "positive", "customer_service"): ("Support saved my order", "Great order support"),
    ("smot", "negative", "size_fit"): ("Poor fit", "Sizing is off"),
    ("smot", "negative", "customer_service"): ("Warranty hassle",),
    ("smot", "negative", "returns_refunds"): ("Refund took forever",),
    ("smot", "negative", "price_value"): ("Overpriced", "Not worth it"),
    ("smot", "positive", "size_fit"): ("Perfect fit", "True to size"),
    ("smot", "positive", "design"): ("Looks great", "Love the colour"),
    ("smot", "positive", "customer_service"): ("Great warranty service",),
    ("smot", "positive", "returns_refunds"): ("Easy exchange", "Painless return"),
    ("smot", "positive", "price_value"): ("Great value", "Worth it"),
}
APP_TITLES = {
    "negative": ("App keeps crashing", "Buggy update", "Frustrating app"),
    "positive": ("Nice app", "Great app", "Fast and easy"),
    "neutral": ("Okay app",),
}

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
COLOURS = ("olive", "navy", "rust", "charcoal", "sand", "forest green")
SIZES = ("small", "medium", "large")
MONTHS = ("March", "June", "August", "October")


def bucket_sentences(bucket: Bucket, noun: str, *, app: bool = False) -> tuple[str, ...]:
    stage, sentiment, topic = bucket
    if app and stage == "fmot" and topic == "website_app":
        return SENTENCES[(stage, sentiment, "app")]
    specific = PRODUCT_SENTENCES.get((noun, sentiment, topic or ""))
    generic = SENTENCES[bucket]
    return specific + generic if specific else generic


def slots(rng: random.Random, values: Mapping[str, str]) -> dict[str, str]:
    weekday = rng.randrange(len(WEEKDAYS) - 2)
    return {
        "size": rng.choice(SIZES),
        "colour": rng.choice(COLOURS),
        "days": str(rng.randint(9, 26)),
        "weeks": str(rng.randint(3, 6)),
        "weekday": WEEKDAYS[weekday],
        "weekday2": WEEKDAYS[weekday + 2],
        "month": rng.choice(MONTHS),
        **values,
    }


def compose(
    rng: random.Random,
    bucket: Bucket,
    values: Mapping[str, str],
    *,
    app: bool = False,
    sentences: int = 1,
) -> str:
    """One to three sentences from the bucket (a UMOT verdict may follow an SMOT praise)."""
    stage, sentiment, _ = bucket
    fill = slots(rng, values)
    pool = list(bucket_sentences(bucket, values.get("noun", ""), app=app))
    chosen = rng.sample(pool, k=min(sentences, len(pool)))
    if stage == "umot" and sentiment == "positive" and rng.random() < 0.5:
        praise = bucket_sentences(("smot", "positive", "product_quality"), values.get("noun", ""))
        chosen.insert(0, rng.choice(praise))
    return " ".join(s.format(**fill) for s in chosen)


def title(
    rng: random.Random, bucket: Bucket, values: Mapping[str, str], *, app: bool = False
) -> str:
    stage, sentiment, _ = bucket
    if app and stage == "fmot":
        options = APP_TITLES[sentiment]
    else:
        options = (
            TOPIC_TITLES.get(bucket) or TITLES.get((stage, sentiment)) or TITLES[(stage, "neutral")]
        )
    return rng.choice(options).format(**slots(rng, values))
