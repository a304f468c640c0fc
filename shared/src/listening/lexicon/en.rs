//! English lexicon.

use super::Source;

pub(in crate::listening) const SOURCE: Source = Source {
    words: &[
        // Lost, swapped, missing, someone else's, moved (issue 24).
        (-1.0, "disappeared vanished no_reply no_response swapped mixed_up misplaced rescheduled someone_else's"),
        // Lukewarm: "ok, nothing special" is neutral, not praise (issue 24).
        (-0.25, "nothing_special nothing_more nothing_fancy nothing_amazing"),
        (2.0, "adorable gem stellar spotless superstar excellent outstanding amazing fantastic superb perfect brilliant awesome wonderful exceptional \
               best love loved loving loves delighted thrilled incredible impeccable flawless phenomenal \
               five_stars top_notch highly_recommend"),
        (1.5, "great impressed* recommend* kudos bravo shoutout shout_out thumbs_up well_done"),
        (1.0, "relaxed on_time punctual thx beautiful sorted spot_on lovely_people sweetheart helped smoothly hassle-free accommodating transparent good nice friendly helpful happy pleased satisfied professional polite patient honest fair \
               quick fast efficient smooth easy clean kind thanks thank grateful appreciate* pleasant* \
               reliable trustworthy trust worth enjoy* glad lovely welcoming courteous knowledgeable attentive \
               responsive reasonable affordable painless hassle_free better superior seamless cheers"),
        (0.5, "clearly clear ok okay fine decent"),
        (-0.5, "expensive pricey late wait waiting complaint complain* slowly"),
        (-1.0, "irritating postponed pushed_back shame pity filthy lost pressure pressuring pressured pushing noisy rattling faulty defective unreliable cold shrugged nobody_cared sloppy bad poor slow problem problems issue issues broken dirty delay delayed delays wrong mistake \
                mistakes ignored ignore* annoying annoyed careless worse worried worry mess messy scratch scratched \
                damage* upset unhappy wasted lie lied lies pushy hidden_fees hassle sadly unfortunately"),
        (-1.5, "fed_up rudely ignoring misleading misled rude unhelpful dismissive disappoint* frustrat* overpriced overcharged unprofessional unfriendly \
                incompetent angry liar liars waste ridiculous rip_off ripoff avoid regret* arrogant"),
        (-2.0, "worthless joke terrible awful horrible worst disgusting disgraceful disaster disastrous nightmare useless scam* \
                fraud hate hated appalling atrocious pathetic shameful unacceptable never_again shocking"),
        // Praise said with a nickname or a deed rather than an adjective.
        (2.0, "legend legends lifesaver life_saver immaculate faultless first_class"),
        (1.5, "hero heroes angel top_marks above_and extra_mile stayed_late nice_touch made_my no_questions fab \
               ace cracking"),
        (1.0, "thoughtful considerate stayed_behind saved_me peace_of"),
        // Complaints told as facts: damage, chasing, excuses, billing, waiting, silence.
        (-1.0, "cracked dented scuffed chipped leaking leaks stained unexplained chase chased chasing voicemails \
                excuses blamed refused refuse refuses forgot forgotten missing fuss argument arguments quibble \
                quibbles on_hold silence broke too_much no_word nobody_called hung_up runaround run_around"),
        (-1.5, "ripped ripped_off fobbed fobbed_off still_waiting still_nothing broke_again broken_again \
                same_problem same_issue charged_twice double_charged billed_twice"),
        (1.0, "bargain value_for"),
        (-1.0, "forever for_ages unreachable"),
        (-1.0, "mixed_up"),
    ],
    duties: "fixed repaired resolved solved apologised apologized apologise apologize apology refunded \
             reimbursed compensated replaced admitted answer answers answered answering replied reply replies \
             responded respond response explain explained explanation call_back called_back calls_back callback \
             got_back gets_back get_back arrived arrives delivered applied applies honoured honored honour honor \
             works working worked picks_up followed_up get_through",
    negators: "not no never don't doesn't didn't isn't wasn't weren't won't can't couldn't wouldn't \
               shouldn't haven't hasn't aren't ain't dont doesnt didnt isnt wasnt werent wont cant couldnt \
               wouldnt shouldnt havent hasnt arent neither nor nobody nothing without hardly barely cannot",
    intensifiers: &[
        (1.5, "very really so extremely incredibly absolutely totally truly highly especially super"),
        (1.3, "too quite most"),
        (0.6, "slightly somewhat bit little kinda fairly rather"),
    ],
    contrasts: "but however whereas except",
    soft_contrasts: "",
    concessives: "although though despite",
    negating_prefixes: "",
    superlative_prefixes: "",
    max_ending: 3,
    latin_only: false,
    negative_concord: false,
    cues: &[
        // Fixed what others could not (issue 24): "two other garages", "Dva servisy".
        // A favour told with "and even" (issue 24): "and they even topped up the screenwash".
        (1.0, "two|three|four|several|other>other+garages|mechanics|dealers|places|shops|doctors|dentists and>even+topped|threw|gave|washed|cleaned|called|rang|sent|brought|offered|added|fixed|checked"),
        // A promise (issue 24): a complaint only when the mention tells it was broken (see
        // `PROMISE_CUE`): "promised Friday, nothing yet", not "promised to call when the part comes".
        (super::PROMISE_CUE, "was|were>told|promised|assured promised|swore|said>it|me|us|we|that|our|the+would|by|ready would>be>ready"),
        // Issue 24: waits counted, still nothing, promises, the same fault again, nobody calls.
        (-1.0, "#|ten|twenty|thirty|forty|an|two|three>minutes|mins|hours|hour|days>late #|two|three|four|five|six>emails|messages|calls|voicemails|texts #>days|weeks|months|hours>now|running|ago day>#>and>still still>no|not|nothing|waiting|hasn't|haven't|hadn't|isn't|hasnt|havent|isnt nobody|noone>has|had|have>rung|called|phoned|replied|answered|emailed|come|got same>fault|problem|noise|rattle|issue|leak|light|error came|comes|come>back>on sat|stood|queued|waited+for|until>#|ten|twenty|forty|an|two|three>minutes|hours|mins|hour even>been>looked"),
        // A repeat, a wait counted in weeks, "not even".
        (-1.0, "second|third|fourth|fifth|sixth|umpteenth|nth|2nd|3rd|4th|5th|6th>time|attempt \
                called|rang|phoned|emailed|chased|asked|wrote|messaged|complained+twice|times \
                waiting|waited+weeks|months weeks|months>running \
                not|didn't|didnt|never|nobody|wasn't|hasn't|haven't|weren't|don't|doesn't>even"),
        // Done unasked, as quoted, sooner than promised; a repeat purchase, years of custom.
        (1.0, "unprompted unasked without+me|my|having|us+ask*|chas*|prompt*|remind* \
               didn't|didnt|never+have|had|need|needed>to>ask|chase|remind|wait|pay didn't|didnt>even>charge|charged|bill|billed \
               no|without>surprise|surprises exactly>as|what+quoted|promised|estimated as>promised|quoted \
               earlier|sooner|quicker|faster>than>promised|expected|quoted \
               second|third|fourth|fifth|umpteenth|2nd|3rd|4th|5th>time>buying|bought|buy|purchasing|leasing|choosing|using \
               second|third|fourth|fifth>car+from|with|bought always>come|coming>back coming|going>here|there+years|decades"),
    ],
    cue_breakers: "problems problem issues issue complaints faults trouble rattles leaks a an as per of than cheaper faster quicker more less daily weekly yearly annually sure know one two three",
    cue_blockers: "every each next",
    quotes: "menu website advertised quote quoted quotes estimate* said told advertised price listed",
    charges: "invoice* charged charge bill billed paid statement receipt total came",
    agains: "still again",
    waits: "waiting chasing",
    spans: "days weeks months hours week month fortnight",
};
