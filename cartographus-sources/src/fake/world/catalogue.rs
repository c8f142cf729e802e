//! The world's library: films (public-domain classics), TV series with seasons and
//! episodes (so binges happen), music albums with tracks, and live TV channels whose
//! programme changes with the hour. Every item has a Plex rating key, a
//! Jellyfin/Emby item id, a Plex guid and a plausible encoding (container, codecs,
//! resolution, HDR, bitrate). Popularity is Zipf-like: a seeded ranking decides which
//! titles are the hits.

use super::rng::Rng;

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Movie,
    Episode,
    Track,
    Live,
}

/// The library an item lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Library {
    Movies,
    Shows,
    Music,
    LiveTv,
}

impl Library {
    pub(crate) fn id(self) -> &'static str {
        match self {
            Library::Movies => "1",
            Library::Shows => "2",
            Library::Music => "3",
            Library::LiveTv => "4",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Library::Movies => "Movies",
            Library::Shows => "TV Shows",
            Library::Music => "Music",
            Library::LiveTv => "Live TV",
        }
    }
}

/// The video stream of an encoding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Video {
    pub(crate) codec: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// `None` for SDR, else `HDR10` or `DOVI`.
    pub(crate) hdr: Option<&'static str>,
}

/// How an item's file is encoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Encoding {
    pub(crate) container: &'static str,
    pub(crate) video: Option<Video>,
    pub(crate) audio_codec: &'static str,
    pub(crate) audio_channels: u8,
    pub(crate) bitrate_kbps: u32,
}

/// A season, album or show/artist/channel an item belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parent {
    pub(crate) title: String,
    pub(crate) rating_key: u32,
    pub(crate) uid: String,
    pub(crate) index: Option<u32>,
}

/// One item of the library.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    pub(crate) kind: Kind,
    pub(crate) rating_key: u32,
    pub(crate) uid: String,
    pub(crate) title: String,
    /// Season or album.
    pub(crate) parent: Option<Parent>,
    /// Show, artist or channel.
    pub(crate) grandparent: Option<Parent>,
    /// Episode or track number.
    pub(crate) index: Option<u32>,
    pub(crate) year: Option<u16>,
    pub(crate) duration_ms: u64,
    pub(crate) guid: String,
    pub(crate) library: Library,
    pub(crate) encoding: Encoding,
}

/// The episodes of one series, in viewing order.
#[derive(Debug, Clone)]
pub(crate) struct Show {
    pub(crate) episodes: Vec<usize>,
}

/// The tracks of one album, in order.
#[derive(Debug, Clone)]
pub(crate) struct Album {
    pub(crate) tracks: Vec<usize>,
}

/// The whole library; lists are in popularity order (most popular first).
#[derive(Debug, Clone)]
pub(crate) struct Catalogue {
    pub(crate) items: Vec<Item>,
    pub(crate) movies: Vec<usize>,
    pub(crate) shows: Vec<Show>,
    pub(crate) albums: Vec<Album>,
    pub(crate) channels: Vec<usize>,
}

const MOVIES: &[(&str, u16, u64)] = &[
    ("Night of the Living Dead", 1968, 96),
    ("Charade", 1963, 113),
    ("His Girl Friday", 1940, 92),
    ("The General", 1926, 78),
    ("Metropolis", 1927, 153),
    ("Nosferatu", 1922, 94),
    ("Plan 9 from Outer Space", 1957, 79),
    ("The Little Shop of Horrors", 1960, 72),
    ("Detour", 1945, 68),
    ("D.O.A.", 1949, 83),
    ("The Kid", 1921, 68),
    ("Sherlock Jr.", 1924, 45),
    ("The Cabinet of Dr. Caligari", 1920, 76),
    ("Carnival of Souls", 1962, 78),
    ("The Last Man on Earth", 1964, 86),
    ("McLintock!", 1963, 127),
    ("Royal Wedding", 1951, 93),
    ("Meet John Doe", 1941, 122),
    ("House on Haunted Hill", 1959, 75),
    ("The Brain That Wouldn't Die", 1962, 82),
    ("Dementia 13", 1963, 75),
    ("Suddenly", 1954, 75),
    ("Kansas City Confidential", 1952, 99),
    ("Scarlet Street", 1945, 102),
    ("The Stranger", 1946, 95),
    ("Gulliver's Travels", 1939, 76),
    ("The Phantom of the Opera", 1925, 93),
    ("Battleship Potemkin", 1925, 75),
    ("The Gold Rush", 1925, 95),
    ("Safety Last!", 1923, 70),
    ("The Hitch-Hiker", 1953, 71),
    ("Beat the Devil", 1953, 89),
    ("Penny Serenade", 1941, 119),
    ("Nothing Sacred", 1937, 73),
    ("My Man Godfrey", 1936, 94),
    ("The 39 Steps", 1935, 86),
];

/// Title, year, seasons, episodes per season, minutes per episode.
const SHOWS: &[(&str, u16, u32, u32, u64)] = &[
    ("Harbour Lights", 2019, 3, 8, 52),
    ("The Long Meridian", 2021, 2, 10, 48),
    ("Kitchen Brigade", 2016, 4, 12, 42),
    ("Northbound", 2020, 3, 6, 58),
    ("Small Hours", 2014, 5, 10, 24),
    ("Field Notes", 2022, 2, 8, 50),
    ("Quiet Neighbours", 2018, 3, 13, 22),
    ("Signal & Noise", 2023, 2, 8, 45),
    ("The Archivists", 2017, 2, 10, 44),
    ("Paper Moons", 2015, 4, 12, 23),
];

/// Artist, album, year, track titles (empty: generated), tracks.
const ALBUMS: &[(&str, &str, u16, u32)] = &[
    ("Kimiko Ishizaka", "Open Goldberg Variations", 2012, 32),
    ("Musopen Symphony", "Beethoven: Symphony No. 5", 2011, 4),
    ("The Lantern Choir", "Low Tide Radio", 2019, 10),
    ("Mira Okafor", "Copper Season", 2021, 9),
    ("Static Orchard", "Night Bus", 2018, 11),
    ("Juniper Vale", "Slow Weather", 2022, 8),
    ("Calloway Street Band", "Second Lines", 2017, 12),
];

const CHANNELS: &[&str] = &["Meridian News 24", "Coastline Weather", "Northside Sports"];

const PROGRAMMES: &[&[&str]] = &[
    &[
        "Morning Briefing",
        "World Desk",
        "Markets Today",
        "The Evening Edition",
        "Nightline",
    ],
    &[
        "Coastal Forecast",
        "Storm Watch",
        "Weekend Outlook",
        "Weather Live",
    ],
    &[
        "Matchday Live",
        "Extra Time",
        "The Pundits",
        "Classic Matches",
    ],
];

const WORDS_A: &[&str] = &[
    "Silent", "Northern", "Broken", "Golden", "Hollow", "Last", "Paper", "Distant", "Quiet",
    "Burning", "Open", "Second", "Salt", "Glass", "Winter", "Borrowed",
];
const WORDS_B: &[&str] = &[
    "Harbour", "Signal", "Bridge", "Letter", "Meridian", "Lantern", "Orchard", "Window",
    "Crossing", "Tide", "Archive", "Station", "Garden", "Engine", "Compass", "Hour",
];

fn words(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(WORDS_A), rng.pick(WORDS_B))
}

const GOLDBERG_LAST: u32 = 32;

fn track_title(album: usize, n: u32, rng: &mut Rng) -> String {
    match album {
        0 if n == 1 => "Aria".to_owned(),
        0 if n == GOLDBERG_LAST => "Aria da capo".to_owned(),
        0 => format!("Variatio {}", n - 1),
        1 => [
            "I. Allegro con brio",
            "II. Andante con moto",
            "III. Allegro",
            "IV. Allegro",
        ][(n as usize - 1) % 4]
            .to_owned(),
        _ => words(rng),
    }
}

struct Keys {
    next: u32,
    rng: Rng,
}

impl Keys {
    fn take(&mut self) -> (u32, String) {
        self.next += 1 + self.rng.below(7) as u32;
        (self.next, self.rng.hex(32))
    }
}

fn movie_encoding(rng: &mut Rng) -> Encoding {
    let (codec, w, h, hdr, kbps) = match rng.weighted(&[0.15, 0.6, 0.15, 0.1]) {
        0 => (
            "hevc",
            3840,
            2160,
            Some(*rng.pick(&["HDR10", "DOVI"])),
            rng.range(38_000, 62_000),
        ),
        1 => ("h264", 1920, 1080, None, rng.range(8_000, 20_000)),
        2 => ("h264", 1280, 720, None, rng.range(3_500, 6_500)),
        _ => ("mpeg4", 720, 480, None, rng.range(1_500, 2_600)),
    };
    let (audio, ch) = match (h, rng.index(4)) {
        (2160, 0 | 1) => ("truehd", 8),
        (2160, _) => ("eac3", 6),
        (480, _) => ("mp3", 2),
        (_, 0) => ("aac", 2),
        (_, 1) => ("ac3", 6),
        (_, 2) => ("dca", 6),
        _ => ("eac3", 6),
    };
    Encoding {
        container: if rng.chance(0.8) { "mkv" } else { "mp4" },
        video: Some(Video {
            codec,
            width: w,
            height: h,
            hdr,
        }),
        audio_codec: audio,
        audio_channels: ch,
        bitrate_kbps: kbps as u32,
    }
}

fn episode_encoding(rng: &mut Rng) -> Encoding {
    let hevc = rng.chance(0.4);
    Encoding {
        container: "mkv",
        video: Some(Video {
            codec: if hevc { "hevc" } else { "h264" },
            width: 1920,
            height: 1080,
            hdr: None,
        }),
        audio_codec: if rng.chance(0.6) { "eac3" } else { "aac" },
        audio_channels: if rng.chance(0.6) { 6 } else { 2 },
        bitrate_kbps: rng.range(4_500, 11_000) as u32,
    }
}

impl Catalogue {
    /// The library of the world `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        let mut rng = Rng::keyed(seed, &[0xCA7A]);
        let mut keys = Keys {
            next: 10_000,
            rng: Rng::keyed(seed, &[0xCA7B]),
        };
        let mut items = Vec::new();
        let mut movies = Vec::new();
        for (title, year, minutes) in MOVIES {
            let (rating_key, uid) = keys.take();
            movies.push(items.len());
            items.push(Item {
                kind: Kind::Movie,
                rating_key,
                uid,
                title: (*title).to_owned(),
                parent: None,
                grandparent: None,
                index: None,
                year: Some(*year),
                duration_ms: minutes * 60_000 + rng.below(59_000),
                guid: format!("plex://movie/{}", rng.hex(24)),
                library: Library::Movies,
                encoding: movie_encoding(&mut rng),
            });
        }
        let mut shows = Vec::new();
        for (title, year, seasons, per_season, minutes) in SHOWS {
            let (show_key, show_uid) = keys.take();
            let show = Parent {
                title: (*title).to_owned(),
                rating_key: show_key,
                uid: show_uid,
                index: None,
            };
            let encoding = episode_encoding(&mut rng);
            let mut episodes = Vec::new();
            for season in 1..=*seasons {
                let (season_key, season_uid) = keys.take();
                let parent = Parent {
                    title: format!("Season {season}"),
                    rating_key: season_key,
                    uid: season_uid,
                    index: Some(season),
                };
                for episode in 1..=*per_season {
                    let (rating_key, uid) = keys.take();
                    let title = match (season, episode) {
                        (1, 1) => "Pilot".to_owned(),
                        _ => words(&mut rng),
                    };
                    episodes.push(items.len());
                    items.push(Item {
                        kind: Kind::Episode,
                        rating_key,
                        uid,
                        title,
                        parent: Some(parent.clone()),
                        grandparent: Some(show.clone()),
                        index: Some(episode),
                        year: Some(year + season as u16 - 1),
                        duration_ms: minutes * 60_000 + rng.below(240_000),
                        guid: format!("plex://episode/{}", rng.hex(24)),
                        library: Library::Shows,
                        encoding: encoding.clone(),
                    });
                }
            }
            shows.push(Show { episodes });
        }
        let mut albums = Vec::new();
        for (a, (artist, album, year, count)) in ALBUMS.iter().enumerate() {
            let (artist_key, artist_uid) = keys.take();
            let (album_key, album_uid) = keys.take();
            let flac = rng.chance(0.7);
            let mut tracks = Vec::new();
            for n in 1..=*count {
                let (rating_key, uid) = keys.take();
                let seconds = match a {
                    0 => rng.range(70, 330),
                    1 => rng.range(300, 660),
                    _ => rng.range(150, 390),
                } as u64;
                tracks.push(items.len());
                items.push(Item {
                    kind: Kind::Track,
                    rating_key,
                    uid,
                    title: track_title(a, n, &mut rng),
                    parent: Some(Parent {
                        title: (*album).to_owned(),
                        rating_key: album_key,
                        uid: album_uid.clone(),
                        index: Some(1),
                    }),
                    grandparent: Some(Parent {
                        title: (*artist).to_owned(),
                        rating_key: artist_key,
                        uid: artist_uid.clone(),
                        index: None,
                    }),
                    index: Some(n),
                    year: Some(*year),
                    duration_ms: seconds * 1000,
                    guid: format!("plex://track/{}", rng.hex(24)),
                    library: Library::Music,
                    encoding: Encoding {
                        container: if flac { "flac" } else { "mp3" },
                        video: None,
                        audio_codec: if flac { "flac" } else { "mp3" },
                        audio_channels: 2,
                        bitrate_kbps: if flac {
                            rng.range(800, 1_100) as u32
                        } else {
                            320
                        },
                    },
                });
            }
            albums.push(Album { tracks });
        }
        let mut channels = Vec::new();
        for name in CHANNELS {
            let (rating_key, uid) = keys.take();
            channels.push(items.len());
            items.push(Item {
                kind: Kind::Live,
                rating_key,
                uid,
                title: (*name).to_owned(),
                parent: None,
                grandparent: None,
                index: None,
                year: None,
                duration_ms: 3_600_000,
                guid: format!("plex://episode/{}", rng.hex(24)),
                library: Library::LiveTv,
                encoding: Encoding {
                    container: "mpegts",
                    video: Some(Video {
                        codec: "h264",
                        width: 1920,
                        height: 1080,
                        hdr: None,
                    }),
                    audio_codec: "aac",
                    audio_channels: 2,
                    bitrate_kbps: rng.range(6_000, 9_000) as u32,
                },
            });
        }
        // A seeded popularity ranking: the first of each list is the hit.
        shuffle(&mut movies, &mut rng);
        shuffle(&mut shows, &mut rng);
        shuffle(&mut albums, &mut rng);
        Self {
            items,
            movies,
            shows,
            albums,
            channels,
        }
    }

    /// The programme on channel `channel` (an index into `channels`) in the UTC hour
    /// `hour` (hours since the Unix epoch).
    pub(crate) fn programme(&self, channel: usize, hour: i64) -> &'static str {
        let list = PROGRAMMES[channel % PROGRAMMES.len()];
        list[hour.rem_euclid(list.len() as i64) as usize]
    }
}

fn shuffle<T>(v: &mut [T], rng: &mut Rng) {
    for i in (1..v.len()).rev() {
        let j = rng.index(i + 1);
        v.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn keys_are_unique_and_shapes_plausible() {
        let c = Catalogue::new(42);
        let keys: HashSet<u32> = c.items.iter().map(|i| i.rating_key).collect();
        let uids: HashSet<&str> = c.items.iter().map(|i| i.uid.as_str()).collect();
        assert_eq!(keys.len(), c.items.len());
        assert_eq!(uids.len(), c.items.len());
        assert!(c.movies.len() >= 30 && c.shows.len() >= 8 && c.albums.len() >= 5);
        for i in &c.items {
            assert!(i.duration_ms > 60_000, "{}", i.title);
            assert_eq!(i.encoding.video.is_none(), i.kind == Kind::Track);
        }
        let ep = &c.items[c.shows[0].episodes[0]];
        assert_eq!(ep.kind, Kind::Episode);
        assert_eq!(ep.parent.as_ref().unwrap().index, Some(1));
        assert!(ep.grandparent.is_some());
        assert_eq!(Catalogue::new(42).items, c.items);
    }
}
