/** @module Hand-written general world knowledge for the built-in recogniser: places, nationalities, titles, name and organisation cues. */

import { words } from './word-list.js';

/** Countries and other sovereign or well-known territories, as commonly written. */
export const countries = words(`Afghanistan|Albania|Algeria|Andorra|Angola|Argentina|Armenia|Australia|Austria|Azerbaijan|Bahamas|Bahrain|
Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|Bosnia|Herzegovina|Botswana|Brazil|Brunei|Bulgaria|
Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde|Chad|Chile|China|Colombia|Comoros|Congo|Costa Rica|Croatia|Cuba|Cyprus|
Czech Republic|Czechia|Czechoslovakia|Denmark|Djibouti|Dominica|Dominican Republic|East Timor|Ecuador|Egypt|El Salvador|England|Eritrea|
Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|East Germany|West Germany|Ghana|Greece|Grenada|Guatemala|Guinea|
Guyana|Haiti|Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|Jordan|Kazakhstan|Kenya|
Kiribati|Korea|North Korea|South Korea|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|
Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|Mongolia|Montenegro|
Morocco|Mozambique|Myanmar|Burma|Namibia|Nauru|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|Northern Ireland|Norway|Oman|
Pakistan|Palau|Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|Prussia|Qatar|Romania|Russia|Rwanda|Samoa|
San Marino|Saudi Arabia|Scotland|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|Slovakia|Slovenia|Somalia|South Africa|South Sudan|
Soviet Union|USSR|Spain|Sri Lanka|Sudan|Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tonga|
Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|United Arab Emirates|UAE|United Kingdom|UK|U.K.|United States|
United States of America|USA|U.S.A.|US|U.S.|America|Uruguay|Uzbekistan|Vanuatu|Vatican City|Venezuela|Vietnam|Wales|Yemen|Yugoslavia|
Zambia|Zimbabwe|Hong Kong|Macau|Puerto Rico|Greenland|Great Britain|Britain|Holland|Tibet|Catalonia|Bavaria|Flanders`);

/** Countries that English writes with "the" (kept in the mention: "the United States"). */
export const countriesWithArticle = words(`United States|United Kingdom|Netherlands|Philippines|Soviet Union|United States of America|
United Arab Emirates|Czech Republic|Dominican Republic|Bahamas|Gambia|Maldives|Vatican|Congo|Ukraine`);

/** Continents, oceans and large regions. */
export const regions = words(`Africa|Antarctica|Asia|Europe|North America|South America|Latin America|Central America|Oceania|Australasia|
Middle East|Near East|Far East|Caribbean|Scandinavia|Balkans|Siberia|Arctic|Mediterranean|Atlantic|Pacific|Indian Ocean|Atlantic Ocean|
Pacific Ocean|Arctic Ocean|Southeast Asia|East Asia|South Asia|Central Asia|Western Europe|Eastern Europe|Central Europe|Northern Europe|
Southern Europe|West Africa|East Africa|North Africa|Southern Africa|Sub-Saharan Africa|New England|Midwest|Sahara|Himalayas|Alps|Andes|
Rocky Mountains|Amazon|Nile|Danube|Rhine|Thames|Mississippi|Yangtze|Ganges|Volga|Baltic|Iberia|Anatolia|Mesopotamia|Persia|Gaul|Patagonia`);

/** US states, Canadian provinces, Australian states and other first-level divisions that are often named. */
export const divisions = words(`Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|Idaho|Illinois|
Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|
New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|
South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|District of Columbia|D.C.|Alberta|
British Columbia|Manitoba|New Brunswick|Newfoundland|Labrador|Nova Scotia|Ontario|Prince Edward Island|Quebec|Saskatchewan|Yukon|
Nunavut|Northwest Territories|New South Wales|Queensland|Victoria|Tasmania|Western Australia|South Australia|Northern Territory|
Ontario|Punjab|Bengal|Kerala|Tamil Nadu|Maharashtra|Gujarat|Bihar|Kashmir|Sicily|Sardinia|Tuscany|Lombardy|Andalusia|Normandy|Brittany|
Provence|Saxony|Silesia|Transylvania|Moravia|Bohemia|Galicia|Lapland|Cornwall|Yorkshire|Lancashire|Kent|Essex|Sussex|Devon|Ulster|
Munster|Leinster|Connacht|Hokkaido|Okinawa|Kyushu|Honshu|Java|Sumatra|Borneo|Luzon|Mindanao|Crimea|Chechnya|Kurdistan|Catalonia`);

/** Capitals and other large or frequently named cities. */
export const cities = words(`London|Paris|Berlin|Madrid|Rome|Vienna|Prague|Budapest|Warsaw|Moscow|Saint Petersburg|St. Petersburg|Kiev|Kyiv|
Minsk|Riga|Tallinn|Vilnius|Helsinki|Stockholm|Oslo|Copenhagen|Reykjavik|Dublin|Edinburgh|Glasgow|Cardiff|Belfast|Manchester|Liverpool|
Birmingham|Leeds|Bristol|Oxford|Cambridge|Amsterdam|Rotterdam|The Hague|Brussels|Antwerp|Luxembourg|Zurich|Geneva|Bern|Basel|Munich|
Hamburg|Frankfurt|Cologne|Stuttgart|Dresden|Leipzig|Düsseldorf|Milan|Naples|Turin|Florence|Venice|Genoa|Bologna|Palermo|Barcelona|
Valencia|Seville|Lisbon|Porto|Athens|Thessaloniki|Istanbul|Ankara|Sofia|Bucharest|Belgrade|Zagreb|Ljubljana|Sarajevo|Skopje|Tirana|
Bratislava|Krakow|Kraków|Gdańsk|Cairo|Alexandria|Casablanca|Algiers|Tunis|Tripoli|Lagos|Abuja|Accra|Dakar|Nairobi|Addis Ababa|
Kampala|Kinshasa|Johannesburg|Cape Town|Pretoria|Durban|Harare|Lusaka|Luanda|Khartoum|Baghdad|Tehran|Riyadh|Jeddah|Mecca|Medina|Dubai|
Abu Dhabi|Doha|Kuwait City|Beirut|Damascus|Amman|Jerusalem|Tel Aviv|Kabul|Karachi|Lahore|Islamabad|Delhi|New Delhi|Mumbai|Bombay|
Kolkata|Calcutta|Chennai|Madras|Bangalore|Hyderabad|Dhaka|Kathmandu|Colombo|Bangkok|Hanoi|Ho Chi Minh City|Saigon|Phnom Penh|
Kuala Lumpur|Jakarta|Manila|Beijing|Peking|Shanghai|Guangzhou|Shenzhen|Hong Kong|Taipei|Seoul|Busan|Pyongyang|Tokyo|Osaka|Kyoto|
Yokohama|Nagoya|Hiroshima|Sydney|Melbourne|Brisbane|Perth|Adelaide|Canberra|Auckland|Wellington|Christchurch|Toronto|Montreal|Vancouver|
Ottawa|Calgary|Edmonton|Winnipeg|Halifax|Quebec City|New York City|Los Angeles|Chicago|Houston|Phoenix|Philadelphia|San Antonio|
San Diego|Dallas|San Jose|Austin|Jacksonville|San Francisco|Columbus|Seattle|Denver|Boston|Detroit|Nashville|Memphis|Portland|
Las Vegas|Baltimore|Milwaukee|Atlanta|Miami|Oakland|Minneapolis|Cleveland|New Orleans|Pittsburgh|Cincinnati|St. Louis|Kansas City|
Sacramento|Orlando|Tampa|Honolulu|Anchorage|Salt Lake City|Hollywood|Brooklyn|Manhattan|Queens|Bronx|Harlem|Mexico City|Guadalajara|
Havana|Bogotá|Bogota|Lima|Quito|Caracas|Santiago|Buenos Aires|Montevideo|Asunción|La Paz|São Paulo|Sao Paulo|Rio de Janeiro|Brasília|
Brasilia|Salvador|Panama City|San Juan|Kingston|Vatican|Monaco|Singapore|Marseille|Lyon|Toulouse|Nice|Bordeaux|Strasbourg|Lille|
Nantes|Versailles|Salzburg|Innsbruck|Gothenburg|Malmö|Bergen|Aarhus|Tampere|Turku|Odessa|Kharkiv|Novosibirsk|Vladivostok|Stalingrad|
Leningrad|Constantinople|Babylon|Carthage|Sparta|Troy`);

/** Adjectives of nationality and origin; annotated as places (they name the country). */
export const demonyms = words(`Afghan|Albanian|Algerian|American|Argentine|Argentinian|Armenian|Australian|Austrian|Azerbaijani|Bangladeshi|
Belarusian|Belgian|Bolivian|Bosnian|Brazilian|British|Bulgarian|Cambodian|Cameroonian|Canadian|Chilean|Chinese|Colombian|Croatian|
Cuban|Cypriot|Czech|Danish|Dutch|Ecuadorian|Egyptian|English|Eritrean|Estonian|Ethiopian|European|Filipino|Finnish|Flemish|French|
Georgian|German|Ghanaian|Greek|Guatemalan|Haitian|Hungarian|Icelandic|Indian|Indonesian|Iranian|Iraqi|Irish|Israeli|Italian|Jamaican|
Japanese|Jordanian|Kazakh|Kenyan|Korean|Kosovar|Kurdish|Latvian|Lebanese|Libyan|Lithuanian|Luxembourgish|Malaysian|Maltese|Mexican|
Moldovan|Mongolian|Montenegrin|Moroccan|Nepalese|Nigerian|Norwegian|Pakistani|Palestinian|Panamanian|Paraguayan|Persian|Peruvian|
Polish|Portuguese|Prussian|Romanian|Russian|Rwandan|Saudi|Scottish|Senegalese|Serbian|Singaporean|Slovak|Slovenian|Somali|
South African|Soviet|Spanish|Sri Lankan|Sudanese|Swedish|Swiss|Syrian|Taiwanese|Tanzanian|Thai|Tibetan|Tunisian|Turkish|Ugandan|
Ukrainian|Uruguayan|Uzbek|Venezuelan|Vietnamese|Welsh|Yemeni|Yugoslav|Zambian|Zimbabwean|African|Asian|Latin American|Arab|Arabian|
Scandinavian|Caribbean|Mediterranean|Hispanic|Anglo|Celtic|Nordic|Balkan|Baltic|Siberian|Texan|Californian|Bavarian|Catalan|Basque|
Sicilian|Quebecois|Québécois|Hawaiian|Alaskan|Floridian|New Zealand|Hong Kong|Puerto Rican|Roman|Byzantine|Ottoman|Venetian|Athenian`);

/** Religious and political groups: annotated as organisations. */
export const groups = words(`Catholic|Catholics|Catholicism|Roman Catholic|Christian|Christians|Christianity|Protestant|Protestants|
Protestantism|Jewish|Jews|Judaism|Muslim|Muslims|Islam|Islamic|Buddhist|Buddhists|Buddhism|Hindu|Hindus|Hinduism|Sikh|Sikhs|Orthodox|
Anglican|Lutheran|Methodist|Baptist|Presbyterian|Mormon|Evangelical|Sunni|Shia|Shiite|Republican|Republicans|Democrat|Democrats|
Democratic|Conservative|Conservatives|Labour|Liberal|Liberals|Communist|Communists|Socialist|Socialists|Nazi|Nazis|Bolshevik|Bolsheviks|
Congress|Parliament|Senate|Bundestag|Duma|Knesset|NATO|UN|EU|UNESCO|UNICEF|WHO|IMF|OPEC|ASEAN|APEC|FIFA|UEFA|IOC|NASA|FBI|CIA|NSA|
BBC|CNN|NBC|CBS|ABC|ESPN|HBO|MTV|PBS|Reuters|IBM|Google|Microsoft|Apple|Amazon|Facebook|Intel|Samsung|Sony|Nintendo|Toyota|Honda|
Ford|Boeing|Airbus|Nokia|Siemens|Volkswagen|BMW|Mercedes-Benz|Disney|Netflix|Twitter|Oracle|Adobe|Tesla|Shell|Walmart|Coca-Cola|
PepsiCo|Pfizer|Bayer|Nestlé|Unilever|Vatican|Interpol|Greenpeace|Amnesty International|Red Cross|Taliban|Hezbollah|Hamas|Al-Qaeda|
Wehrmacht|Luftwaffe|Kremlin|Pentagon`);

/** Words that make a capitalised name an organisation when they end it or start it ("Acme Corp.", "University of Toronto"). */
export const organizationWords = words(`Inc|Inc.|Corp|Corp.|Corporation|Company|Co.|Ltd|Ltd.|Limited|LLC|PLC|plc|GmbH|AG|SA|S.A.|NV|BV|AB|
Group|Holdings|Industries|Enterprises|Partners|Associates|Bank|Airlines|Airways|Motors|Records|Studios|Pictures|Entertainment|Films|
Publishing|Publishers|Press|Media|Network|Networks|Broadcasting|Television|Radio|Times|Post|Journal|Gazette|News|Magazine|Foundation|
Institute|Institution|University|College|School|Academy|Seminary|Conservatory|Laboratory|Laboratories|Hospital|Museum|Library|Gallery|
Society|Association|Federation|Confederation|League|Union|Council|Committee|Commission|Board|Authority|Agency|Administration|Bureau|
Office|Department|Ministry|Service|Services|Court|Tribunal|Parliament|Assembly|Senate|Congress|Cabinet|Government|Party|Movement|Front|
Alliance|Coalition|Army|Navy|Force|Forces|Corps|Guard|Regiment|Battalion|Brigade|Division|Fleet|Police|Church|Diocese|Archdiocese|
Order|Club|Team|FC|F.C.|United|City|Athletic|Athletics|Rovers|Wanderers|Orchestra|Band|Choir|Ensemble|Trio|Quartet|Brothers|Sisters|
Systems|Technologies|Technology|Software|Labs|Electronics|Communications|Energy|Oil|Petroleum|Pharmaceuticals|Railway|Railways|Railroad|
Transit|Council|Trust|Fund|Exchange|Consortium|Organization|Organisation|Centre|Center|Cooperative|Syndicate|Guild|Lodge|Mission|
Conference|Commonwealth|Secretariat|Directorate|Inspectorate|Command|Unit|Squadron|Wing|Games|Philharmonic|Conservatoire|
Opera|Brotherhood|Sisterhood|Knights|Pact|Caucus|Nations|Works|TV|Tribune|Herald|Chronicle|Observer|Telegraph|Courier|Digest|
Electric|Music|Interactive|Aviation|Airline|Motorsport|Racing|Comics|Books|Recordings|Productions|Ventures|Capital|Insurance|
Magazine|Newspaper|Riksdag|Storting|Bundesrat|Sejm|Cortes|Dáil|Folketing|Knesset|Duma`);

/** Words that make a capitalised name an event ("World War II", "2008 Summer Olympics"). */
export const eventWords = words(`War|Wars|Battle|Siege|Revolution|Rebellion|Uprising|Revolt|Massacre|Crisis|Election|Elections|Referendum|
Championship|Championships|Cup|Olympics|Olympiad|Tournament|Open|Grand Prix|Festival|Expo|Exposition|Fair|Summit|Treaty|Agreement|
Accord|Accords|Act|Award|Awards|Prize|Trophy|Medal|Season|Series|Tour|Marathon|Derby|Bowl|Classic|Contest|Song Contest|Rally|Race|
Campaign|Operation|Offensive|Invasion|Crusade|Earthquake|Hurricane|Typhoon|Disaster|Pandemic|Epidemic|Genocide|Holocaust|Reformation|
Renaissance|Conquest|Occupation|Incident|Affair|Scandal|Protests|Strike|Convention|Symposium|Show|Ceremony|Chart|Hot 100|Games`);

/** Words that end place names ("Red River", "Kings County", "Oxford Street"). */
export const placeWords = words(`River|Lake|Mountain|Mountains|Mount|Mt.|Hill|Hills|Valley|Island|Islands|Isle|Isles|Bay|Gulf|Sea|Ocean|
Strait|Channel|Coast|Peninsula|Desert|Forest|Park|Canyon|Falls|Creek|Glacier|Cape|Beach|Harbour|Harbor|Port|County|Province|Prefecture|
District|Region|Territory|State|Oblast|Canton|Parish|Borough|Township|Municipality|Village|Town|City|Street|Road|Avenue|Boulevard|Lane|
Square|Bridge|Tower|Castle|Palace|Cathedral|Abbey|Temple|Mosque|Stadium|Arena|Airport|Station|Highway|Route|Plaza|Heights|Springs|
Peak|Volcano|Reservoir|Dam|Basin|Delta|Plateau|Plain|Plains|Reef|Archipelago|Atoll|Fjord|Pass|Gardens|Hall|Theatre|Theater|Building|
Chapel|Basilica|Mall|Zoo|Cemetery|Prison|Monument|Memorial|Camp|Base|Wilderness|Area|Zone|Motorway|
Autobahn|Expressway|Freeway|Parkway|Canal|Lighthouse|Pier|Wharf|Market`);

/** Honorifics and titles that precede a person's name. */
export const personTitles = words(`Mr|Mr.|Mrs|Mrs.|Ms|Ms.|Miss|Dr|Dr.|Prof|Prof.|Professor|Sir|Dame|Lady|Lord|Madam|Madame|Mme|Mme.|
Monsieur|Herr|Frau|Señor|Senor|Señora|Rev|Rev.|Reverend|Father|Fr.|Sister|Brother|Saint|St.|Pope|Rabbi|Imam|Sheikh|Cardinal|Bishop|
Archbishop|King|Queen|Prince|Princess|Duke|Duchess|Earl|Count|Countess|Baron|Baroness|Emperor|Empress|Tsar|Czar|Sultan|Shah|
President|Vice|Chancellor|Premier|Minister|Senator|Sen.|Rep.|Representative|Congressman|Congresswoman|Governor|Gov.|Mayor|Judge|
Justice|General|Gen.|Colonel|Col.|Major|Maj.|Captain|Capt.|Lieutenant|Lt.|Sergeant|Sgt.|Admiral|Adm.|Commander|Marshal|Officer|
Detective|Inspector|Ambassador|Secretary|Chairman|Chairwoman|CEO|Coach|Uncle|Aunt|Grandpa|Grandma`);

/** Offices that open a phrase naming a post, not a person ("Chief Executive Officer of …", "Member of Parliament"). */
export const officeWords = words(`Chief|Executive|Officer|Member|Deputy|Assistant|Associate|Coordinator|Leader|Commandant|Speaker|
Director|Chair|Chairperson|Envoy|Attorney|Treasurer|Solicitor|Advocate|Registrar|Dean|Provost|Rector|Principal|Superintendent|
Commissioner|Administrator|Trustee|Fellow|Head|Co|Vice|Acting|Interim|Lord|Under|Permanent|Private|Press|Managing|General|Senior|
Junior|First|Second|Third|Grand|High|Supreme`);

/** Honorifics that resolution removes before comparing names. */
export const honorifics = words(`mr|mrs|ms|miss|dr|prof|professor|sir|dame|lady|lord|madam|madame|mme|monsieur|herr|frau|rev|reverend|
president|senator|sen|rep|governor|gov|mayor|judge|justice|general|gen|colonel|col|captain|capt|lieutenant|lt|sergeant|sgt|admiral|
king|queen|prince|princess|saint|st|pope|jr|sr|phd|md|esq|ii|iii|iv`);

export { givenNames, surnames } from './person-names.js';

/** Months, and their abbreviations. */
export const months = words(`January|February|March|April|May|June|July|August|September|October|November|December|Jan|Jan.|Feb|Feb.|
Mar|Mar.|Apr|Apr.|Jun|Jun.|Jul|Jul.|Aug|Aug.|Sep|Sep.|Sept|Sept.|Oct|Oct.|Nov|Nov.|Dec|Dec.`);

/** Days of the week and other calendar words that are names but not entities of their own. */
export const weekdays = words(`Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Christmas|Easter|Halloween|Thanksgiving|Ramadan|
Hanukkah|Passover|New Year|Spring|Summer|Autumn|Fall|Winter`);

/** Number words the recogniser reads as quantities. */
export const numberWords = words(`one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|
seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|trillion|dozen|
hundreds|thousands|millions|billions|dozens|half|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth`);

/** Units that make a number a duration (so a date-like expression: "four years"). */
export const durationUnits = words(`year|years|month|months|week|weeks|day|days|decade|decades|century|centuries|hour|hours|minute|minutes|
season|seasons`);

/**
 * Capitalised words that start sentences or titles but are not names on their own (function words, pronouns,
 * frequent sentence openers). A capitalised token in this set never starts a name unless a gazetteer says so.
 */
export const commonCapitalised = words(`A|An|The|This|That|These|Those|It|Its|He|She|His|Her|Hers|Him|They|Them|Their|We|Our|Us|You|Your|I|
My|Me|In|On|At|By|For|From|To|Of|With|Without|Within|Into|Onto|Upon|Over|Under|After|Before|During|Since|Until|Till|While|When|Where|
Whereas|Which|Who|Whom|Whose|What|Why|How|If|Although|Though|Because|As|And|But|Or|Nor|So|Yet|Also|However|Moreover|Furthermore|
Meanwhile|Thus|Therefore|Hence|Then|There|Here|Today|Yesterday|Tomorrow|Now|Later|Earlier|Soon|Once|Twice|Both|Each|Every|Either|
Neither|All|Any|Some|Many|Much|Most|More|Few|Several|Such|Other|Another|No|Not|Only|Just|Even|Still|Already|Again|Finally|Eventually|
Initially|Originally|Currently|Recently|Previously|Subsequently|Following|According|Despite|Among|Between|Through|Throughout|Along|
Around|About|Above|Below|Behind|Beside|Besides|Beyond|Near|Against|Toward|Towards|Via|Per|Unlike|Like|Including|Except|Is|Was|Are|
Were|Be|Been|Being|Has|Have|Had|Do|Does|Did|Will|Would|Can|Could|Shall|Should|May|Might|Must|Born|Located|Based|Founded|Formed|
Released|Written|Directed|Produced|Published|Built|Named|Known|Called|Considered|Following|One|Two|Three|Four|Five|Six|Seven|Eight|
Nine|Ten|Last|Next|Early|Late|Former|Formerly|Part|Its|Other|Most|Some|Often|Usually|Generally|Unlike|
Although|Whilst|Upon|Whether|Let|Yes|Oh|Please|Thank|Thanks|See|Note|Chapter|Section|Figure|Table|Page|Volume|Vol|No.|Episode|
Act|Scene|Book|Part|Article|Item|Step|List|Phase|Stage|Level|Type|Class|Version|Edition|Unlike|Instead|Overall|Indeed|Perhaps|Nevertheless|
Nonetheless|Otherwise|Similarly|Likewise|Consequently|Accordingly|Additionally|Notably|Specifically|Particularly|Especially|Altogether`);

/** Lower-case words allowed inside a name between capitalised words ("Bank of America", "Ludwig van Beethoven"). */
export const nameConnectors = words(`of|for|de|del|della|di|da|do|dos|das|du|des|la|le|van|von|der|den|ter|y|el|al|bin|ibn|&|and the|on|upon|am|im|zu`);

/** Prepositions after which an unknown capitalised name is most likely a place. */
export const placePrepositions = words(`in|at|near|from|to|into|across|throughout|outside|inside|around|towards|toward|via|through|within|
across|between|northern|southern|eastern|western|central|north|south|east|west|northeast|northwest|southeast|southwest`);

/** Words that start or end the names of sports clubs ("FC Porto", "Rapid Wien", "Fyllingen IL", "Derby County"). */
export const clubPrefixes = words(`FC|F.C.|AFC|CF|SC|AC|AS|SK|FK|NK|HNK|GNK|KS|CD|CA|SE|EC|SV|VfB|VfL|TSV|BSC|RC|RCD|UD|SD|CS|CSM|FCSB|
Sporting|Sportivo|Real|Atlético|Atletico|Athletic|Dinamo|Dynamo|Spartak|Lokomotiv|Locomotiv|Olympique|Olympiacos|Olimpia|Racing|Inter|
Internazionale|Deportivo|Club|Borussia|Eintracht|Fortuna|Hertha|Werder|Union|Rapid|Steaua|Universitatea|Politehnica|Petrolul|
Partizan|Crvena|Slavia|Sparta|Viktoria|Legia|Wisła|Lech|Górnik|Ferencváros|Újpest|Vasas|Honvéd|Dukla|Baník|Zenit|CSKA|Torpedo|
Shakhtar|Dnipro|Metalist|Chornomorets|Vorskla`);

/** Words that end the names of sports clubs. */
export const clubSuffixes = words(`FC|F.C.|AFC|A.F.C.|CF|SC|IL|IF|BK|FF|IK|SK|FK|BC|RFC|CFC|Fotball|Fotbal|Calcio|United|Rovers|Wanderers|
Athletic|Albion|Hotspur|Argyle|Academicals|Thistle|Harriers|Wednesday|Orient|Villa|Rangers|Celtic|Juniors|Esporte|
Futebol|Clube|Sportiva|Sportif|Sportivo`);

/** Words that, followed by "of", name a polity or territory ("Kingdom of Prussia", "Duchy of Milan"). */
export const polityWords = words(`Kingdom|Duchy|Grand Duchy|Archduchy|Republic|Principality|Empire|Emirate|Sultanate|Caliphate|Khanate|
Margraviate|Electorate|Viceroyalty|Governorate|County|Province|State|Commonwealth|Federation|Union|Dominion|Colony|Territory|
Protectorate|Municipality|Borough|District|Region|Prefecture|Department|Canton|Parish|Township|City|Town|Village|Lordship|
Barony|Bishopric|Prince-Bishopric|Palatinate|Landgraviate|Tsardom|Confederation`);

/** Words that, put before a known place, still name a place ("East Prussia", "Southern California", "Nazi Germany"). */
export const placeModifiers = words(`North|South|East|West|Northern|Southern|Eastern|Western|Central|Upper|Lower|Greater|Inner|Outer|
Mainland|Metropolitan|Nazi|Imperial|Ancient|Medieval|Roman|Byzantine|Ottoman|Soviet|Colonial|Occupied|Free|Coastal|Rural|Little|
Old|Mid|Northeast|Northwest|Southeast|Southwest|Far|Near|Middle|Baja|Alta|Outer|Insular|Continental|Peninsular|Spanish|French|
British|Dutch|Portuguese|German|Italian|Danish|Swedish|Russian|Austrian|Habsburg`);

/** Words that end place names with a plural place head ("Lindi Regions", "Pacific Oceans"): place, not a team. */
export const pluralPlaceHeads = words(`Regions|Oceans|Islands|Isles|Mountains|Hills|Heights|Springs|Falls|Lakes|Plains|Highlands|Lowlands|
Territories|Provinces|States|Counties|Districts|Alps|Rockies|Keys|Gardens|Woods|Fields|Meadows|Flats|Sands|Waters|Narrows|Rapids|
Pits|Caves|Downs|Moors|Fens|Forks|Banks|Shoals|Cliffs|Dunes|Glades|Ruins`);

/** Upper-case abbreviations of common things, not of organisations ("TV", "CD", "DNA", "CEO", "BC"). */
export const commonAcronyms = words(`TV|HDTV|HD|CD|CDs|DVD|DVDs|LP|LPs|EP|EPs|MP|MPs|MP3|PC|PCs|GPS|DNA|RNA|HIV|AIDS|BC|BCE|AD|CE|AM|FM|PM|
CEO|CFO|COO|CTO|VP|MD|PhD|MA|BA|BSc|MSc|MBA|BFA|MFA|LLB|LLM|DPM|OBE|MBE|CBE|KBE|DBE|KCMG|GCMG|CMG|QC|KC|LLC|A.D.|B.C.|USD|EUR|GBP|RC|UFO|
IQ|ID|OK|VIP|DJ|MC|MVP|ERA|RBI|AI|IT|IP|OS|PDF|URL|HTML|USB|SMS|LED|LCD|CPU|GPU|RAM|ROM|SUV|ATM|NB|PS|AKA|aka|vs|ASAP|FAQ|
TBA|TBD|RSVP|HQ|ICU|ER|ADHD|PTSD|CGI|VFX|3D|2D|4K|UHF|VHF|SDK|API|APIs|LRT|MRT|BRT|CDP|ZIP|KO|TKO`);
