import Foundation
import Testing
@testable import DCLData
import DCLTensor

/// Ratings of three users; user 20 rates out of time order on purpose.
let ratingsFixture = """
userId,movieId,rating,timestamp
10,100,4.0,1000
10,200,3.5,1001
10,300,5.0,1002
20,200,1.0,2005
20,100,4.5,2001
20,400,2.0,2003
20,300,4.0,2002
30,400,0.5,3000
30,100,3.0,3001

"""

let moviesFixture = """
movieId,title,genres
100,"Heat, The (1995)",Action|Crime
200,Toy Story (1995),Animation|Children|Comedy
300,"Say ""Hi"" (2001)",Comedy
400,Untitled,(no genres listed)
500,Never Rated,Drama

"""

@Suite struct MovieLensTests {
    let dir = TempDir()

    @Test func columnsVocabulariesAndLabels() throws {
        let d = try DataLoader.movieLens(ratings: dir.write("r.csv", text: ratingsFixture))
        #expect(d.count == 9)
        #expect(d.columnNames == ["user", "item", "y", "rating", "time"])
        #expect(try d.column("user").ints == [0, 0, 0, 1, 1, 1, 1, 2, 2])
        #expect(try d.column("item").ints == [0, 1, 2, 1, 0, 3, 2, 3, 0])
        #expect(try d.labels() == [1, 0, 1, 0, 1, 0, 1, 0, 0])
        #expect(try d.column("rating").floats == [4, 3.5, 5, 1, 4.5, 2, 4, 0.5, 3])
        #expect(d.vocabularies["user"]?.ids == [10, 20, 30])
        #expect(d.vocabularies["item"]?.dense(400) == 3)
        #expect(d.vocabularies["item"]?.original(1) == 200)
        #expect(d.groups == [0, 0, 0, 1, 1, 1, 1, 2, 2] && d.groupKind == "user")
        #expect(d.classCount == 2)
        let f = try DataLoader.movieLens(ratings: dir.path("r.csv"), threshold: 3.0, labelDType: .float32)
        #expect(try f.column("y").floats == [1, 1, 1, 0, 1, 0, 1, 0, 1])
    }

    @Test func genresAreMultiHot() throws {
        let d = try DataLoader.movieLens(ratings: dir.write("r.csv", text: ratingsFixture),
                                         movies: dir.write("m.csv", text: moviesFixture))
        let names = d.featureNames["genres"]!
        #expect(names == ["Action", "Animation", "Children", "Comedy", "Crime"])
        let g = try d.column("genres")
        #expect(g.shape == [9, 5])
        // Row 0 is movie 100 (Action|Crime); row 5 is movie 400 (no genres).
        #expect(Array(g.floats[0..<5]) == [1, 0, 0, 0, 1])
        #expect(Array(g.floats[25..<30]) == [0, 0, 0, 0, 0])
        #expect(Array(g.floats[5..<10]) == [0, 1, 1, 1, 0])
    }

    @Test func perUserTimeSplitPutsTheLatestInTest() throws {
        let d = try DataLoader.movieLens(ratings: dir.write("r.csv", text: ratingsFixture))
        let (train, test) = try d.splitByTime(testFraction: 0.25)
        // User 20 (4 ratings, times 2005, 2001, 2003, 2002): the 2005 one is its test sample.
        // Users with 2 or 3 ratings keep at least one for test and one for training.
        #expect(try test.column("time").ints == [1002, 2005, 3001])
        #expect(try train.column("time").ints == [1000, 1001, 2001, 2002, 2003, 3000])
        #expect(train.groups == [0, 0, 1, 1, 1, 2])
        // by_user partition: one client per user with the same split.
        let fed = try d.partition(.byUser, clients: nil, seed: 0, testFraction: 0.25)
        #expect(fed.count == 3)
        #expect(try fed.clients[1].test.column("time").ints == [2005])
        #expect(try fed.clients[1].train.column("time").ints == [2001, 2002, 2003])
        let two = try d.partition(.byUser, clients: 2, seed: 3, testFraction: 0.25)
        #expect(two.count == 2)
        #expect(Set(two.clients.flatMap { $0.train.groups! }).count == 2)
    }

    @Test func shippedSmallSetMatchesItsReadme() throws {
        let base = examplesData + "/ml-latest-small"
        let d = try DataLoader.movieLens(ratings: base + "/ratings.csv", movies: base + "/movies.csv")
        #expect(d.count == 100_836)
        #expect(d.vocabularies["user"]?.count == 610)
        #expect(d.vocabularies["item"]?.count == 9724)
        #expect(d.featureNames["genres"]?.count == 19)
        let ratings = try d.column("rating").floats
        #expect(ratings.min() == 0.5 && ratings.max() == 5.0)
        // Every user has at least 20 ratings, so every client has train and test samples.
        let (train, test) = try d.splitByTime(testFraction: 0.2)
        #expect(train.count + test.count == d.count)
        #expect(Set(test.groups!).count == 610)
    }

    // MARK: Errors

    @Test func headerIsRequired() {
        let p = dir.write("r.csv", text: "1,100,4.0,1000\n")
        expectDataError(.missingColumn, path: p, line: 1, contains: "no column \"userId\"") { _ = try DataLoader.movieLens(ratings: p) }
    }

    @Test func badValuesNameLineAndColumn() {
        let p = dir.write("r.csv", text: "userId,movieId,rating,timestamp\n1,2,4.0,100\n1,x,4.0,100\n")
        expectDataError(.notNumeric, path: p, line: 3, contains: "column \"movieId\": expected an integer id, found \"x\"") {
            _ = try DataLoader.movieLens(ratings: p)
        }
        let q = dir.write("q.csv", text: "userId,movieId,rating,timestamp\n1,2,four,100\n")
        let e = expectDataError(.notNumeric, path: q, line: 2, contains: "column 'rating'") { _ = try DataLoader.movieLens(ratings: q) }
        #expect(e?.column == 5)
        let t = dir.write("t.csv", text: "userId,movieId,rating,timestamp\n1,2,4,99999999999\n")
        expectDataError(.notNumeric, path: t, line: 2, contains: "does not fit in int32") { _ = try DataLoader.movieLens(ratings: t) }
        let w = dir.write("w.csv", text: "userId,movieId,rating,timestamp\n1,2,4\n")
        expectDataError(.fieldCount, path: w, line: 2) { _ = try DataLoader.movieLens(ratings: w) }
    }

    @Test func ratedMovieMissingFromMoviesFile() {
        let r = dir.write("r.csv", text: "userId,movieId,rating,timestamp\n1,999,4,1\n")
        let m = dir.write("m.csv", text: moviesFixture)
        expectDataError(.missingColumn, path: m, contains: "movie id 999 is rated") { _ = try DataLoader.movieLens(ratings: r, movies: m) }
    }
}
