/** @module Lower-case words around a name that say what it is: "the band X", "X, a company", "X is an actor", "played for X". */
import type { NerLabel } from '../schema.js';

/** Splits a `|`-separated list into a set. */
function words(list: string): string[] {
  return list
    .split('|')
    .map((word) => word.trim())
    .filter(Boolean);
}

/**
 * Common nouns naming the kind of a thing, so the kind of a name they stand beside: "the band X", "X, an American
 * actor", "X is a village". The head of the noun phrase decides ("a film director" is a person).
 */
export const kindNouns = new Map<string, NerLabel>([
  ...words(`actor|actress|singer|songwriter|singer-songwriter|rapper|musician|guitarist|bassist|drummer|pianist|violinist|cellist|
    organist|saxophonist|trumpeter|vocalist|frontman|composer|conductor|lyricist|player|footballer|cricketer|golfer|boxer|wrestler|
    racer|driver|cyclist|swimmer|athlete|sprinter|skater|skier|jockey|tennis|coach|manager|politician|president|minister|senator|
    governor|mayor|diplomat|ambassador|judge|lawyer|attorney|barrister|writer|author|novelist|poet|playwright|dramatist|screenwriter|
    journalist|editor|columnist|critic|painter|sculptor|artist|photographer|illustrator|cartoonist|animator|architect|designer|
    director|producer|filmmaker|comedian|dancer|choreographer|presenter|broadcaster|businessman|businesswoman|entrepreneur|
    industrialist|banker|economist|scientist|physicist|chemist|biologist|botanist|zoologist|mathematician|astronomer|engineer|
    inventor|philosopher|historian|scholar|linguist|professor|teacher|educator|theologian|priest|pastor|preacher|monk|nun|rabbi|
    missionary|cleric|soldier|officer|admiral|commander|pilot|aviator|astronaut|explorer|monarch|ruler|nobleman|noblewoman|
    aristocrat|courtier|activist|campaigner|philanthropist|socialite|physician|surgeon|psychologist|psychiatrist|nurse|chef|
    midfielder|defender|striker|forward|goalkeeper|winger|quarterback|pitcher|outfielder|batsman|bowler|linebacker|teammate|
    son|daughter|wife|husband|widow|widower|brother|sister|father|mother|grandson|granddaughter|nephew|niece|cousin|uncle|aunt|
    mistress|lover|spouse|heir|founder|co-founder|leader|chairman|chairwoman|spokesman|spokeswoman|model|personality|
    bodybuilder|martial|fighter|mountaineer|sailor|rower|fencer|gymnast|archer|shooter|wrestler|referee|umpire|magician|
    prophet|saint|deity|god|goddess|character|protagonist|villain|hero|heroine|statesman|revolutionary|dictator|emperor|king|
    queen|prince|princess|duke|duchess|baron|count|countess|earl|sultan|pharaoh|pope|bishop|archbishop|cardinal|inspector|
    detective|agent|spy|criminal|murderer|gangster|composer-conductor|conductor-composer|pianist-composer|youtuber|blogger|
    chess|grandmaster|cartographer|geologist|anthropologist|archaeologist|sociologist|neuroscientist|geographer`).map((word): [string, NerLabel] => [
    word,
    'person',
  ]),
  ...words(`company|corporation|firm|business|conglomerate|subsidiary|manufacturer|maker|retailer|chain|brand|publisher|developer|
    distributor|broadcaster|network|channel|newspaper|magazine|tabloid|daily|weekly|studio|label|imprint|airline|carrier|
    railway|bank|insurer|band|group|duo|trio|quartet|quintet|ensemble|orchestra|choir|club|team|franchise|side|party|
    organization|organisation|association|society|union|federation|confederation|league|council|committee|commission|agency|
    ministry|department|university|college|school|academy|institute|institution|charity|foundation|movement|militia|army|navy|
    regiment|battalion|brigade|squadron|unit|government|parliament|legislature|court|tribunal|order|dynasty|tribe|clan|
    consortium|cooperative|startup|outlet|website|cartel|syndicate|alliance|coalition|faction|guerrilla|brotherhood|congregation|
    denomination|church|sect|laboratory|hospital|station`).map((word): [string, NerLabel] => [word, 'organization']),
  ...words(`city|town|village|hamlet|suburb|neighbourhood|neighborhood|district|county|province|state|region|country|nation|
    island|islet|atoll|archipelago|peninsula|river|tributary|stream|creek|lake|lagoon|mountain|peak|volcano|hill|valley|bay|gulf|
    sea|ocean|strait|canal|coast|cape|desert|forest|park|reserve|capital|municipality|commune|parish|borough|township|
    settlement|community|port|harbour|harbor|airport|street|road|avenue|highway|motorway|freeway|route|bridge|tunnel|dam|
    reservoir|glacier|waterfall|cave|plateau|plain|basin|territory|colony|kingdom|empire|republic|duchy|principality|emirate|
    sultanate|oblast|prefecture|governorate|voivodeship|canton|arrondissement|locality|area|estate|square|
    stadium|arena|castle|palace|cathedral|temple|mosque|monastery|abbey|museum|building|skyscraper|tower|lighthouse|
    neighbourhood|quarter|metropolis|megacity|resort|campus|cemetery|mall`).map((word): [string, NerLabel] => [word, 'place']),
  ...words(`album|single|song|track|ep|mixtape|soundtrack|film|movie|documentary|short|novel|novella|book|memoir|biography|
    series|serial|sitcom|drama|show|programme|program|episode|game|video|opera|operetta|musical|play|poem|painting|sculpture|
    symphony|concerto|sonata|suite|ballet|cantata|hymn|anthem|comic|manga|anime|strip|newsletter|journal|ship|cruiser|
    battleship|destroyer|frigate|submarine|vessel|carrier-ship|aircraft|airliner|fighter-jet|car|locomotive|engine|rifle|
    pistol|missile|tank|software|app|application|language|dialect|award|prize|medal|trophy|honour|honor|title|franchise-film|
    sequel|prequel|trilogy|installment|instalment|work|composition|treatise|report|doctrine|theory|law|statute|constitution|
    currency|spacecraft|satellite|rocket|console|device|phone|processor|typeface|font|dish|cocktail|beer|wine|cheese|breed|
    cultivar`).map((word): [string, NerLabel] => [word, 'misc']),
  ...words(`festival|tournament|championship|competition|contest|war|battle|siege|election|referendum|ceremony|conference|
    summit|expedition|campaign|offensive|invasion|revolution|rebellion|uprising|massacre|earthquake|hurricane|storm|pageant|
    race|marathon|olympics|games|season|tour|event|derby|match|final|cup`).map((word): [string, NerLabel] => [word, 'event']),
]);

// Words that are kinds in one sense but mostly modifiers in another: never heads of the noun phrase alone.
const modifierOnly = new Set(['tennis', 'martial', 'chess', 'short', 'daily', 'weekly', 'side', 'order', 'title', 'work', 'law', 'final', 'match', 'engine']);

/** Two-word kinds whose head alone would mislead ("radio station" is an organisation, "railway station" a place). */
export const kindCompounds = new Map<string, NerLabel>([
  ['radio station', 'organization'],
  ['television station', 'organization'],
  ['tv station', 'organization'],
  ['railway station', 'place'],
  ['train station', 'place'],
  ['record label', 'organization'],
  ['video game', 'misc'],
  ['football club', 'organization'],
  ['studio album', 'misc'],
  ['live album', 'misc'],
  ['compilation album', 'misc'],
  ['debut album', 'misc'],
  ['television series', 'misc'],
  ['tv series', 'misc'],
  ['record producer', 'person'],
  ['head coach', 'person'],
  ['prime minister', 'person'],
  ['census-designated place', 'place'],
  ['designated place', 'place'],
  ['unincorporated community', 'place'],
]);

/** The kind a noun names, singular or plural ("bands" → organization); undefined for other words. */
export function kindOf(word: string, previous?: string): NerLabel | undefined {
  const lower = word.toLowerCase();
  if (previous) {
    const compound = kindCompounds.get(`${previous.toLowerCase()} ${lower}`);
    if (compound) return compound;
  }
  if (modifierOnly.has(lower)) return undefined;
  const direct = kindNouns.get(lower);
  if (direct) return direct;
  if (lower.endsWith('ies')) return kindNouns.get(`${lower.slice(0, -3)}y`);
  if (lower.endsWith('es') && kindNouns.has(lower.slice(0, -2))) return kindNouns.get(lower.slice(0, -2));
  if (lower.endsWith('s')) return kindNouns.get(lower.slice(0, -1));
  if (lower.endsWith('men')) return kindNouns.get(`${lower.slice(0, -3)}man`);
  return undefined;
}

/**
 * "noun of X": the noun relates X to something, so it says what X is ("the wife of X" → a person, "a member of X" →
 * an organisation, "the capital of X" → a place).
 */
export const relationNouns = new Map<string, NerLabel>([
  ...words(`son|daughter|wife|husband|widow|father|mother|brother|sister|nephew|niece|grandson|granddaughter|grandfather|
    grandmother|descendant|student|pupil|disciple|friend|role|portrait|biography|death|assassination|murder|reign|court|
    successor|predecessor|lover|mistress|heir|apprentice|protégé|protege|biographer|widower|cousin|uncle|aunt`).map((word): [string, NerLabel] => [
    word,
    'person',
  ]),
  ...words(`member|members|subsidiary|division|affiliate|founder|co-founder|chairman|chairwoman|ceo|headquarters|employee|
    employees|shareholder|shareholders|owner|spokesman|spokeswoman|spokesperson|captain|roster|squad|manager|coach|
    frontman|vocalist|guitarist|drummer|bassist|keyboardist|lineup|line-up|discography|leader|leaders|editor|professor|fellow|
    alumnus|alumni|graduate|faculty|dean|rector|headmaster|principal`).map((word): [string, NerLabel] => [word, 'organization']),
  ...words(`capital|outskirts|suburb|suburbs|province|city|town|village|county|state|region|coast|north|south|east|west|
    northeast|northwest|southeast|southwest|centre|center|mayor|governor|citizen|citizens|resident|residents|inhabitants|
    population|people|border|borders|island|islands|shores|banks|mouth|municipality|district|king|queen|emperor|
    parliament|republic|kingdom|duchy|principality|territory|colony|invasion|occupation|geography|economy|culture|cuisine|
    flag|anthem|map`).map((word): [string, NerLabel] => [word, 'place']),
]);

/** Verbs (with their particle) before a name that make it the organisation acted on: "played for X", "published by X". */
export const organizationVerbs = new Set(
  words(`played for|plays for|playing for|play for|signed for|signed with|signs with|signed by|signed to|loaned to|loan to|
    loan at|transferred to|joined|joins|rejoined|published by|released by|released through|released via|issued by|
    distributed by|developed by|manufactured by|acquired by|owned by|operated by|sponsored by|funded by|bought by|purchased by|
    sold to|merged with|contract with|debut for|debuted for|appearances for|goals for|scored for|captained|managed|coached|
    drafted by|traded to|selected by|recorded for|signing with|work for|worked for|works for|employed by|hired by|listed on|
    aired on|broadcast on|broadcast by|airs on|shown on|licensed by|licensed to|founded|co-founded|studied at|graduated from|
    educated at|attended|enrolled at|taught at|teaches at|professor at|lecturer at|degree from|wrote for|writes for|reporter for|
    columnist for|correspondent for|worked at|works at|working at|employed at|acquired|bought|sued`),
);

/** Verbs (with their particle) before a name that make it a person: "married X", "directed by X". */
export const personVerbs = new Set(
  words(`married|marries|marrying|divorced|written by|directed by|composed by|painted by|sung by|performed by|
    illustrated by|narrated by|voiced by|portrayed by|played by|starring|co-starring|featuring|feat.|succeeded|
    succeeded by|preceded by|assassinated|killed by|murdered by|photographed by|edited by|translated by|
    authored by|invented by|discovered by|coined by|named after|named for|daughter of|son of|wife of|husband of`),
);

/** Words right after a name that make it a person ("X said", "X died", "X, who"). */
export const personFollowers = new Set(
  words(`said|says|told|died|dies|married|marries|was born|is born|himself|herself|who|whom|whose|resigned|retired|
    graduated|studied|starred|sang|wrote|recalled|believed|thought|felt|claimed|admitted|insisted|testified|
    stated|argued|explained|replied|asked|answered`),
);

/** Nouns after "X's" that make X a person ("X's wife", "X's death"). */
export const personPossessions = new Set(
  words(`wife|husband|son|daughter|father|mother|brother|sister|death|birth|funeral|grave|widow|children|parents|family|
    career|life|childhood|presidency|reign|mistress|girlfriend|boyfriend|fiancée|fiance|fiancé|biography|autobiography|
    memoir|memoirs|debut|solo|twin|uncle|aunt|grandfather|grandmother|nephew|niece|cousin`),
);

/** Words right after a name that make it an organisation ("X was founded", "X merged with"). */
export const organizationFollowers = new Set(
  words(`was founded|was formed|was established|was incorporated|is headquartered|was headquartered|merged|went bankrupt|
    was acquired|was dissolved|was disbanded|reformed|disbanded|split up|went public|was listed`),
);

/** Nouns after "X's" that make X an organisation ("X's headquarters", "X's subsidiary"). */
export const organizationPossessions = new Set(
  words(`headquarters|subsidiary|subsidiaries|shareholders|employees|staff|board|ceo|chairman|chairwoman|president|founder|
    founders|members|membership|lineup|line-up|roster|squad|stock|shares|logo|revenue|revenues|profits|executives|divisions|
    discography|frontman|leadership`),
);

/**
 * A preposition right before a name and a word a few tokens before it that together make the name an organisation:
 * "made 120 appearances for X", "signed a two-year contract with X", "was a professor at X", "was loaned out to X".
 */
export const organizationFrames = new Map<string, Set<string>>([
  [
    'for',
    new Set(
      words(`debut|appearances|appearance|games|matches|goals|caps|played|plays|playing|signed|scored|capped|competed|
    competes|raced|races|drove|drives|worked|works|working|wrote|writes|writing|reported|reporting|recorded`),
    ),
  ],
  ['with', new Set(words(`signed|contract|spells|spell|loan|deal|season|seasons|trial|signs|signing|re-signed|agreement|merged|merger`))],
  [
    'at',
    new Set(
      words(`studied|educated|professor|lecturer|taught|teaches|teaching|worked|works|working|trial|enrolled|student|
    students|graduated|career|coached|coaching|employed|fellow|researcher|studies`),
    ),
  ],
  ['to', new Set(words(`transferred|loaned|sold|signed|relegated|promoted|returned|transfer|loan|licensed`))],
  [
    'by',
    new Set(
      words(`signed|acquired|published|released|distributed|owned|operated|developed|manufactured|sponsored|drafted|
    selected|bought|purchased|funded|issued|broadcast|aired`),
    ),
  ],
]);
